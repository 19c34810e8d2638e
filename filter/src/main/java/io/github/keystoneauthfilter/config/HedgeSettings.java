package io.github.keystoneauthfilter.config;

import io.github.keystoneauthfilter.KeystoneAuthConfig.HedgeMode;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Hedged validation and latency-aware order across the ordered endpoints (docs/failover.md).
 *
 * @param mode {@code failover_hedge_delay}: adaptive (the default), a fixed delay, or off
 * @param fixedDelay {@code failover_hedge_delay} when it is a number of seconds; else null
 * @param delayMin {@code failover_hedge_delay_min}: the shortest adaptive hedge delay
 * @param delayMax {@code failover_hedge_delay_max}: the longest adaptive hedge delay
 * @param budget {@code failover_hedge_budget}: hedges allowed per validation (plus a burst of 10)
 * @param demoteAfter {@code failover_demote_after}: races lost in a row that demote an endpoint; 0:
 *     never
 * @param demoteProbeInterval {@code failover_demote_probe_interval}: how often a demoted endpoint
 *     is probed
 */
public record HedgeSettings(
    HedgeMode mode,
    @Nullable Duration fixedDelay,
    Duration delayMin,
    Duration delayMax,
    double budget,
    int demoteAfter,
    Duration demoteProbeInterval) {}
