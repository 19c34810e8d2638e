package io.github.keystoneauthfilter.internal.endpoint;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps hedges to a share of validations: each validation earns {@code share} of a hedge, a hedge
 * spends one, and at most {@code burst} hedges can be saved up. So over any stretch, hedges sent
 * are at most {@code share} × validations + {@code burst}. The balance starts full, so the first
 * hedges of a site going bad are never refused.
 */
final class HedgeBudget {
  private static final long ONE = 1_000_000; // one hedge, in micro-hedges

  private final long earned;
  private final long cap;
  private final AtomicLong balance;

  HedgeBudget(double share, int burst) {
    this.earned = Math.round(share * ONE);
    this.cap = burst * ONE;
    this.balance = new AtomicLong(cap);
  }

  /** A validation starts: earn its share. */
  void earn() {
    if (earned > 0) {
      balance.accumulateAndGet(earned, (current, add) -> Math.min(cap, current + add));
    }
  }

  /** Spends one hedge if the balance holds one. */
  boolean trySpend() {
    while (true) {
      long current = balance.get();
      if (current < ONE) {
        return false;
      }
      if (balance.compareAndSet(current, current - ONE)) {
        return true;
      }
    }
  }

  /** Gives back a hedge that could not be sent. */
  void refund() {
    balance.accumulateAndGet(ONE, (current, add) -> Math.min(cap, current + add));
  }
}
