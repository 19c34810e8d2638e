package io.github.keystoneauthfilter.testwebapp;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
import java.time.Duration;

/**
 * Serves {@code GET /_keystone/metrics} (the filter's {@link MetricsSnapshot}, as JSON) ahead of
 * the auth filter, so it needs no token. Enabled with {@code --expose-metrics}.
 */
final class MetricsFilter extends StatusPageFilter {
  static final String PATH = "/_keystone/metrics";
  private static final long serialVersionUID = 1L;

  MetricsFilter() {
    super(PATH);
  }

  @Override
  ObjectNode body(KeystoneAuthFilter auth) {
    return json(auth.metrics());
  }

  /** The snapshot as JSON; durations in milliseconds (decimals). */
  static ObjectNode json(MetricsSnapshot metrics) {
    ObjectNode body = MAPPER.createObjectNode();
    MetricsSnapshot.Requests requests = metrics.requests();
    body.putObject("requests")
        .put("confirmed", requests.confirmed())
        .put("invalid", requests.invalid())
        .put("unavailable", requests.unavailable())
        .put("bulkheadRejected", requests.bulkheadRejected())
        .put("excluded", requests.excluded());
    MetricsSnapshot.Cache cache = metrics.cache();
    body.putObject("cache")
        .put("hits", cache.hits())
        .put("invalidHits", cache.invalidHits())
        .put("misses", cache.misses())
        .put("joins", cache.joins())
        .put("evictions", cache.evictions())
        .put("expirations", cache.expirations())
        .put("size", cache.size())
        .put("invalidSize", cache.invalidSize());
    ArrayNode endpoints = body.putArray("endpoints");
    for (MetricsSnapshot.Endpoint endpoint : metrics.endpoints()) {
      endpoints
          .addObject()
          .put("url", endpoint.url().toString())
          .put("state", endpoint.state())
          .put("valid", endpoint.valid())
          .put("invalid", endpoint.invalid())
          .put("failures", endpoint.failures())
          .put("skipped", endpoint.skipped())
          .put("failovers", endpoint.failovers())
          .put("timesOpened", endpoint.timesOpened())
          .put("calls", endpoint.calls())
          .put("latencyTotalMs", millis(endpoint.latencyTotal()))
          .put("latencyMaxMs", millis(endpoint.latencyMax()))
          .put("late", endpoint.late())
          .put("hedgesSent", endpoint.hedgesSent())
          .put("hedgesWon", endpoint.hedgesWon())
          .put("demotions", endpoint.demotions())
          .put("probes", endpoint.probes())
          .put("demoted", endpoint.demoted())
          .put("hedgeDelayMs", millis(endpoint.hedgeDelay()))
          .put("latencyP50Ms", millis(endpoint.latencyP50()))
          .put("latencyP99Ms", millis(endpoint.latencyP99()));
    }
    MetricsSnapshot.SharedCache shared = metrics.sharedCache();
    if (shared == null) {
      body.putNull("sharedCache");
    } else {
      body.putObject("sharedCache")
          .put("hits", shared.hits())
          .put("misses", shared.misses())
          .put("rejected", shared.rejected())
          .put("writes", shared.writes())
          .put("storeFailures", shared.storeFailures());
    }
    return body;
  }

  private static double millis(Duration duration) {
    return duration.toNanos() / 1_000_000.0;
  }
}
