package io.github.keystoneauthfilter.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} in UTC that only moves when a test says so; thread-safe.
 *
 * <p>{@link #nanos()} is the same reading in nanoseconds since the epoch, for a Caffeine {@code
 * Ticker}: it moves exactly as {@link #advance} and {@link #set} move the instant.
 */
public final class MutableClock extends Clock {
  private final AtomicReference<Instant> now;

  /** A clock standing at {@code start}. */
  public MutableClock(Instant start) {
    this.now = new AtomicReference<>(start);
  }

  /** Moves the clock by {@code amount} (may be negative) and returns the new instant. */
  public Instant advance(Duration amount) {
    return now.updateAndGet(current -> current.plus(amount));
  }

  /** Puts the clock at {@code instant}. */
  public void set(Instant instant) {
    now.set(instant);
  }

  /** The current reading in nanoseconds since the epoch; consistent with {@link #instant()}. */
  public long nanos() {
    Instant current = now.get();
    return current.getEpochSecond() * 1_000_000_000L + current.getNano();
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    if (zone.equals(ZoneOffset.UTC)) {
      return this;
    }
    return new ZonedView(this, zone);
  }

  @Override
  public String toString() {
    return "MutableClock[" + now.get() + "]";
  }

  /** This clock's instant seen from another zone. */
  private static final class ZonedView extends Clock {
    private final MutableClock source;
    private final ZoneId zone;

    ZonedView(MutableClock source, ZoneId zone) {
      this.source = source;
      this.zone = zone;
    }

    @Override
    public Instant instant() {
      return source.instant();
    }

    @Override
    public ZoneId getZone() {
      return zone;
    }

    @Override
    public Clock withZone(ZoneId other) {
      return source.withZone(other);
    }
  }
}
