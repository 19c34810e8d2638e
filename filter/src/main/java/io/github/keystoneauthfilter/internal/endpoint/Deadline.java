package io.github.keystoneauthfilter.internal.endpoint;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The time one request may spend on Keystone across all failover attempts. Measured on a monotonic
 * nanosecond source, since it bounds real socket waits.
 */
public final class Deadline {
  private final LongSupplier nanoTime;
  private final long endNanos;

  private Deadline(LongSupplier nanoTime, long endNanos) {
    this.nanoTime = nanoTime;
    this.endNanos = endNanos;
  }

  /** A deadline {@code budget} from now on {@code nanoTime}. */
  public static Deadline after(Duration budget, LongSupplier nanoTime) {
    return new Deadline(nanoTime, nanoTime.getAsLong() + budget.toNanos());
  }

  /** Time left, never negative. */
  public Duration remaining() {
    return Duration.ofNanos(Math.max(0, endNanos - nanoTime.getAsLong()));
  }

  /** Whether no time is left. */
  public boolean isExpired() {
    return endNanos - nanoTime.getAsLong() <= 0;
  }

  /** {@code limit}, or the time left if that is shorter: the timeout for one network wait. */
  public Duration cap(Duration limit) {
    Duration remaining = remaining();
    return remaining.compareTo(limit) < 0 ? remaining : limit;
  }
}
