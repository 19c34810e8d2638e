package io.github.keystoneauthfilter.internal.cache;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Whether one shared store (a memcached server, a Redis deployment) is answering or being skipped
 * after a failure, the rule every store follows:
 *
 * <ul>
 *   <li>A store that fails a call (timeout, refused, closed, an error answer) is skipped for {@code
 *       deadRetry}: its keys are misses and its writes are dropped, at no cost.
 *   <li>After that, one caller tries it again; the others keep skipping it until that one has an
 *       answer.
 *   <li>One WARN when it starts being skipped, one INFO when it answers again; each failure is
 *       counted.
 * </ul>
 */
final class StoreHealth {
  private static final System.Logger LOG = System.getLogger(StoreHealth.class.getName());

  /** Marks a store as answering. */
  private static final long HEALTHY = Long.MIN_VALUE;

  private final String label;
  private final long deadRetryNanos;
  private final LongSupplier nanoTime;
  private final LongAdder failures;

  /** Skipped while {@code nanoTime < deadUntil}; {@link #HEALTHY} when answering. */
  private final AtomicLong deadUntil = new AtomicLong(HEALTHY);

  /**
   * @param label what the log lines call it, e.g. {@code memcached 127.0.0.1:11211}
   * @param deadRetry how long it is skipped after a failure
   * @param nanoTime the clock
   * @param failures where failures are counted (may be shared by several stores)
   */
  StoreHealth(String label, Duration deadRetry, LongSupplier nanoTime, LongAdder failures) {
    this.label = label;
    this.deadRetryNanos = deadRetry.toNanos();
    this.nanoTime = nanoTime;
    this.failures = failures;
  }

  /**
   * Whether to call the store now: yes when healthy; when its skip time is over, yes for the one
   * caller that claims the retry (the others keep skipping it while that call runs).
   */
  boolean admit() {
    long until = deadUntil.get();
    if (until == HEALTHY) {
      return true;
    }
    long now = nanoTime.getAsLong();
    if (now - until < 0) {
      return false;
    }
    return deadUntil.compareAndSet(until, now + deadRetryNanos); // the probe
  }

  /** Whether it is being skipped now. */
  boolean skipped() {
    long until = deadUntil.get();
    return until != HEALTHY && nanoTime.getAsLong() - until < 0;
  }

  /** A call was answered. */
  void answered() {
    if (deadUntil.getAndSet(HEALTHY) != HEALTHY) {
      LOG.log(Level.INFO, "{0} answers again; the shared token cache uses it", label);
    }
  }

  /** A call failed: skip the store for {@code deadRetry}. */
  void failed(Throwable cause) {
    failures.increment();
    long until = nanoTime.getAsLong() + deadRetryNanos;
    if (deadUntil.getAndSet(until) == HEALTHY) {
      LOG.log(
          Level.WARNING,
          "{0} failed ({1}); skipping it for {2} s (memcache_pool_dead_retry):"
              + " its tokens are validated by Keystone meanwhile",
          label,
          cause.getClass().getSimpleName(),
          deadRetryNanos / 1_000_000_000L);
    }
  }
}
