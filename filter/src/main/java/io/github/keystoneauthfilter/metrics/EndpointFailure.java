package io.github.keystoneauthfilter.metrics;

import java.net.URI;
import java.time.Instant;
import java.util.Objects;

/**
 * The latest call to one Keystone endpoint that gave no definite answer (down, timed out, a 5xx, a
 * garbage answer, refused service credentials, …), for health pages: from {@code lastFailures()} of
 * the filter or the validator. Never holds a token.
 *
 * @param url the endpoint, as configured (normalised)
 * @param at when the call failed
 * @param reason why, as the filter logs it (e.g. {@code http://h:5000: read timed out})
 */
public record EndpointFailure(URI url, Instant at, String reason) {
  /** Checks every part is present. */
  public EndpointFailure {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(reason, "reason");
  }
}
