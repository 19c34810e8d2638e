package io.github.keystoneauthfilter.spring;

import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.metrics.EndpointFailure;
import io.github.keystoneauthfilter.metrics.EndpointStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code keystone} health check, for either Boot's health API: UP while at least one endpoint
 * admits requests (its breaker CLOSED or HALF_OPEN, or OPEN with its open time over, so the next
 * request probes it), DOWN when every breaker is open, UNKNOWN before the filter started. The
 * details list each endpoint in order: its breaker state, failures in a row, openings, until when
 * it is open, and its latest failure (when and why). Never a token.
 *
 * @param status {@code UP}, {@code DOWN} or {@code UNKNOWN}
 * @param details what the health endpoint shows under {@code details}
 */
record KeystoneHealth(String status, Map<String, Object> details) {

  /** The filter's health now. */
  static KeystoneHealth of(KeystoneAuthFilter filter) {
    List<EndpointStatus> statuses;
    List<EndpointFailure> failures;
    try {
      statuses = filter.endpointStatuses();
      failures = filter.lastFailures();
    } catch (IllegalStateException notStarted) {
      return new KeystoneHealth("UNKNOWN", Map.of("reason", "the filter has not started yet"));
    }
    Instant now = filter.settings().clock().instant();
    boolean admits = false;
    List<Map<String, Object>> endpoints = new ArrayList<>();
    for (EndpointStatus status : statuses) {
      admits |= admits(status, now);
      Map<String, Object> endpoint = new LinkedHashMap<>();
      endpoint.put("url", status.url().toString());
      endpoint.put("state", status.state());
      endpoint.put("consecutiveFailures", status.consecutiveFailures());
      endpoint.put("openings", status.openings());
      if (status.openUntil() != null) {
        endpoint.put("openUntil", String.valueOf(status.openUntil()));
      }
      EndpointFailure failure = failureOf(failures, status);
      if (failure != null) {
        endpoint.put(
            "lastFailure", Map.of("at", failure.at().toString(), "reason", failure.reason()));
      }
      endpoints.add(endpoint);
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("endpoints", endpoints);
    return new KeystoneHealth(admits ? "UP" : "DOWN", details);
  }

  private static boolean admits(EndpointStatus status, Instant now) {
    if (!"OPEN".equals(status.state())) {
      return true;
    }
    Instant until = status.openUntil();
    return until == null || !until.isAfter(now);
  }

  private static @Nullable EndpointFailure failureOf(
      List<EndpointFailure> failures, EndpointStatus status) {
    for (EndpointFailure failure : failures) {
      if (failure.url().equals(status.url())) {
        return failure;
      }
    }
    return null;
  }
}
