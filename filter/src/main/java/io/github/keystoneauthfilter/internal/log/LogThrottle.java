package io.github.keystoneauthfilter.internal.log;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Lets a repeated condition be logged once per interval instead of once per request: the first
 * caller may log, then at most one caller per interval. Lock-free, so it costs the request path one
 * read when it says no.
 */
public final class LogThrottle {
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong last;

  /** A throttle that allows one log line per {@code interval}. */
  public LogThrottle(Duration interval) {
    this(interval, System::nanoTime);
  }

  LogThrottle(Duration interval, LongSupplier nanoTime) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive but was " + interval);
    }
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
    this.last = new AtomicLong(nanoTime.getAsLong() - intervalNanos);
  }

  /** Whether the caller may log now; true for exactly one caller per interval. */
  public boolean allow() {
    long now = nanoTime.getAsLong();
    long previous = last.get();
    return now - previous >= intervalNanos && last.compareAndSet(previous, now);
  }
}
