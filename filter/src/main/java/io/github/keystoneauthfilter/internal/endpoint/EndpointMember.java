package io.github.keystoneauthfilter.internal.endpoint;

import io.github.keystoneauthfilter.metrics.EndpointFailure;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * An endpoint, its breaker and what it has done so far. The counters are cheap to update
 * (LongAdders, no allocation) and are read by the filter's metrics.
 */
public final class EndpointMember {
  final Endpoint endpoint;
  final CircuitBreaker breaker;
  final LongAdder valid = new LongAdder();
  final LongAdder invalid = new LongAdder();
  final LongAdder failures = new LongAdder();
  volatile @Nullable EndpointFailure lastFailure;
  final LongAdder skipped = new LongAdder();
  final LongAdder failovers = new LongAdder();
  final LongAdder calls = new LongAdder();
  final LongAdder callNanos = new LongAdder();
  final LongAccumulator maxCallNanos = new LongAccumulator(Math::max, 0);
  final LatencyWindow window = new LatencyWindow();
  final LongAdder late = new LongAdder();
  final LongAdder hedgesSent = new LongAdder();
  final LongAdder hedgesWon = new LongAdder();
  final LongAdder demotions = new LongAdder();
  final LongAdder probes = new LongAdder();
  final AtomicInteger lostInRow = new AtomicInteger();
  final AtomicInteger onTimeInRow = new AtomicInteger();
  final AtomicBoolean demoted = new AtomicBoolean();
  final AtomicLong nextProbeNanos = new AtomicLong();
  volatile long delayNanos = -1; // the hedge delay last computed; -1: none yet
  volatile long delayComputedAt; // window.added() when it was

  /** Pairs an endpoint with its breaker. */
  public EndpointMember(Endpoint endpoint, CircuitBreaker breaker) {
    this.endpoint = endpoint;
    this.breaker = breaker;
  }

  /** The endpoint. */
  public Endpoint endpoint() {
    return endpoint;
  }

  /** Its breaker. */
  public CircuitBreaker breaker() {
    return breaker;
  }

  /** Definite answers (valid or invalid) this endpoint gave. */
  public long answers() {
    return valid.sum() + invalid.sum();
  }

  /** "Valid" answers this endpoint gave. */
  public long valid() {
    return valid.sum();
  }

  /** "Invalid" answers (404: unknown, expired or revoked token) this endpoint gave. */
  public long invalid() {
    return invalid.sum();
  }

  /** Calls to this endpoint that gave no definite answer. */
  public long failures() {
    return failures.sum();
  }

  /** Times this endpoint was not asked because its breaker refused (open, or probe in flight). */
  public long skipped() {
    return skipped.sum();
  }

  /**
   * Times a validation went on to a later endpoint because this one failed or was skipped (not
   * counted when the request's deadline had passed, nor after a 404 with failover_on_not_found).
   */
  public long failovers() {
    return failovers.sum();
  }

  /** Calls made to this endpoint (answered or failed): the count of the latency figures. */
  public long calls() {
    return calls.sum();
  }

  /** Total time spent in calls to this endpoint, in nanoseconds. */
  public long callNanos() {
    return callNanos.sum();
  }

  /** The longest call to this endpoint so far, in nanoseconds; 0 before the first. */
  public long maxCallNanos() {
    return maxCallNanos.get();
  }

  /** Calls still unanswered at their hedge delay, or answered after it. */
  public long late() {
    return late.sum();
  }

  /** Hedges sent to this endpoint: calls made because the one asked before it was late. */
  public long hedgesSent() {
    return hedgesSent.sum();
  }

  /** Of {@link #hedgesSent}, those whose answer was the one used. */
  public long hedgesWon() {
    return hedgesWon.sum();
  }

  /** Times this endpoint was demoted for being late. */
  public long demotions() {
    return demotions.sum();
  }

  /** Probe calls made to this endpoint while it was demoted. */
  public long probes() {
    return probes.sum();
  }

  /** Whether this endpoint is demoted now (asked after the others). */
  public boolean demoted() {
    return demoted.get();
  }

  /**
   * The hedge delay last used for this endpoint, in nanoseconds; 0 with hedging off or before the
   * first call.
   */
  public long hedgeDelayNanos() {
    return Math.max(0, delayNanos);
  }

  /**
   * The {@code q}-quantile of this endpoint's last {@link LatencyWindow#SIZE} answers (definite
   * answers only; not recorded while demoted), in nanoseconds; 0 before the first.
   */
  public long latencyPercentileNanos(double q) {
    return Math.max(0, window.percentile(q, 1));
  }

  /** Records whether a call was late; an on-time answer may restore this endpoint. */
  void judged(boolean wasLate) {
    if (wasLate) {
      late.increment();
      onTimeInRow.set(0);
      return;
    }
    if (demoted.get()
        && onTimeInRow.incrementAndGet() >= EndpointPool.RESTORE_AFTER
        && demoted.compareAndSet(true, false)) {
      onTimeInRow.set(0);
      lostInRow.set(0);
      EndpointPool.LOG.log(
          Level.WARNING,
          "Keystone endpoint {0}: restored to its place after {1} on-time answers",
          endpoint.uri(),
          EndpointPool.RESTORE_AFTER);
    }
  }

  /** A call to this endpoint gave the answer used, before any other: it is not slow. */
  void won() {
    lostInRow.set(0);
  }

  /**
   * A call to this endpoint, late, was still pending when another endpoint's answer was used: a
   * lost race. {@code demoteAfter} in a row demote it.
   */
  void lost(Hedging hedging, long now) {
    int inRow = lostInRow.incrementAndGet();
    if (hedging.demoteAfter() > 0
        && inRow >= hedging.demoteAfter()
        && demoted.compareAndSet(false, true)) {
      demotions.increment();
      onTimeInRow.set(0);
      nextProbeNanos.set(now + hedging.probeInterval().toNanos());
      EndpointPool.LOG.log(
          Level.WARNING,
          "Keystone endpoint {0}: demoted behind the others after losing {1} races in a row"
              + " to another endpoint (hedge delay {2} ms); probed every {3} ms",
          endpoint.uri(),
          inRow,
          hedgeDelayNanos() / 1_000_000,
          hedging.probeInterval().toMillis());
    }
  }

  /** Claims this demoted endpoint's probe if one is due now. */
  boolean claimProbe(Hedging hedging, long now) {
    long due = nextProbeNanos.get();
    return demoted.get()
        && now - due >= 0
        && nextProbeNanos.compareAndSet(due, now + hedging.probeInterval().toNanos());
  }

  /** The latest call to this endpoint that gave no definite answer, or null if none has. */
  public @Nullable EndpointFailure lastFailure() {
    return lastFailure;
  }

  void failed(Instant at, String reason) {
    failures.increment();
    lastFailure = new EndpointFailure(endpoint.uri(), at, reason);
  }

  void called(long nanos) {
    long elapsed = Math.max(0, nanos);
    calls.increment();
    callNanos.add(elapsed);
    maxCallNanos.accumulate(elapsed);
  }
}
