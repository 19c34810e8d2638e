package io.github.keystoneauthfilter.config;

import java.time.Duration;

/**
 * How the ordered Keystone endpoints are tried and their circuit breakers behave.
 *
 * @param deadline {@code failover_deadline}: the longest one request spends on Keystone
 * @param failureThreshold {@code failover_failure_threshold}: consecutive failures that open a
 *     breaker
 * @param open {@code failover_open_seconds}: how long a breaker first stays open
 * @param maxOpen {@code failover_max_open_seconds}: the longest it stays open (not less than {@code
 *     open})
 * @param onNotFound {@code failover_on_not_found}: a 404 asks the next endpoints too
 */
public record FailoverSettings(
    Duration deadline, int failureThreshold, Duration open, Duration maxOpen, boolean onNotFound) {}
