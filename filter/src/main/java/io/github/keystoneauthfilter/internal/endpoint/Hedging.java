package io.github.keystoneauthfilter.internal.endpoint;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How the pool hedges and demotes: the {@code failover_hedge_*} and {@code failover_demote_*}
 * options.
 *
 * @param mode off (ask one endpoint at a time, as without hedging), a fixed delay, or adaptive
 * @param fixedDelay with {@link Mode#FIXED}, the delay; else null
 * @param minDelay the shortest adaptive delay
 * @param maxDelay the longest adaptive delay, and the delay of an endpoint with too few samples
 * @param budget hedges allowed per validation, 0 to 1 (plus a burst of {@link #BURST})
 * @param demoteAfter races lost in a row (late, and another endpoint's answer used) that demote an
 *     endpoint; 0: never demote
 * @param probeInterval how often a demoted endpoint is probed
 */
public record Hedging(
    Mode mode,
    @Nullable Duration fixedDelay,
    Duration minDelay,
    Duration maxDelay,
    double budget,
    int demoteAfter,
    Duration probeInterval) {

  /** Hedges the budget allows in a burst, beyond {@code budget} per validation. */
  public static final int BURST = 10;

  /** No hedging, no demotion: one endpoint at a time. */
  public static final Hedging OFF =
      new Hedging(Mode.OFF, null, Duration.ZERO, Duration.ZERO, 0, 0, Duration.ofSeconds(1));

  /** How the hedge delay is chosen. */
  public enum Mode {
    /** No hedges. */
    OFF,
    /** A fixed delay for every endpoint. */
    FIXED,
    /** Each endpoint's recent 99th percentile of answers, between the floor and ceiling. */
    ADAPTIVE
  }

  /** Checks the parts. */
  public Hedging {
    if ((mode == Mode.FIXED) != (fixedDelay != null)) {
      throw new IllegalArgumentException("a fixed delay goes with (and only with) Mode.FIXED");
    }
    if (minDelay.compareTo(maxDelay) > 0) {
      throw new IllegalArgumentException(
          "minDelay " + minDelay + " must not exceed maxDelay " + maxDelay);
    }
    if (!(budget >= 0 && budget <= 1)) {
      throw new IllegalArgumentException("budget must be within 0..1 but was " + budget);
    }
    if (demoteAfter < 0) {
      throw new IllegalArgumentException("demoteAfter must not be negative: " + demoteAfter);
    }
    if (probeInterval.isNegative() || probeInterval.isZero()) {
      throw new IllegalArgumentException("probeInterval must be positive: " + probeInterval);
    }
  }

  /** Whether hedging (and demotion) is on. */
  public boolean enabled() {
    return mode != Mode.OFF;
  }
}
