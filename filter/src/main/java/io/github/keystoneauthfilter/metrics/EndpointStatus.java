package io.github.keystoneauthfilter.metrics;

import java.net.URI;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of one Keystone endpoint's circuit breaker, for dashboards and health pages: the
 * breaker part of {@link MetricsSnapshot.Endpoint} ({@link MetricsSnapshot.Endpoint#status()}),
 * from which it is made.
 *
 * @param url the endpoint, as configured (normalised)
 * @param state {@code CLOSED} (in use), {@code OPEN} (skipped until {@code openUntil}) or {@code
 *     HALF_OPEN} (one probe request in flight)
 * @param consecutiveFailures failures in a row while CLOSED
 * @param openings openings in a row since the endpoint last answered
 * @param openUntil while OPEN, when the next probe may go; else null
 * @param answers definite answers (valid or invalid token) this endpoint gave since start
 * @param failures calls to this endpoint that gave no definite answer since start
 * @param demoted whether the endpoint is demoted for being late: asked after the others (as an open
 *     breaker is skipped), probed now and then, restored when it answers on time again
 */
public record EndpointStatus(
    URI url,
    String state,
    int consecutiveFailures,
    int openings,
    @Nullable Instant openUntil,
    long answers,
    long failures,
    boolean demoted) {}
