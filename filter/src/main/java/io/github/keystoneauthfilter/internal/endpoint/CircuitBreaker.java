package io.github.keystoneauthfilter.internal.endpoint;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A circuit breaker for one Keystone endpoint.
 *
 * <pre>
 *   CLOSED --(threshold consecutive failures)--> OPEN --(open duration passed, one caller)--> HALF_OPEN
 *   HALF_OPEN --(probe succeeds)--> CLOSED        HALF_OPEN --(probe fails)--> OPEN (longer)
 * </pre>
 *
 * <p>The open duration doubles with each opening in a row (from {@code baseOpen} up to {@code
 * maxOpen}) and is jittered down by up to 20% so that many filters do not probe a recovering site
 * in step. In HALF_OPEN exactly one caller, the probe, is let through; the others skip this
 * endpoint. A probe that has not reported within {@code probeLimit} counts as failed (the breaker
 * reopens when next asked), so a lost report cannot leave the breaker HALF_OPEN for ever. The state
 * is one immutable value in an {@link AtomicReference}; time comes from the injected {@link Clock}.
 * Each transition is logged once at WARNING.
 */
public final class CircuitBreaker {
  private static final System.Logger LOG = System.getLogger(CircuitBreaker.class.getName());
  private static final double MAX_JITTER = 0.2;

  /** The states, as reported to operators. */
  public enum StateName {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  /**
   * The breaker's state.
   *
   * @param name which state
   * @param consecutiveFailures failures in a row while CLOSED
   * @param openings openings in a row since the endpoint last answered
   * @param openUntil while OPEN, when a probe may go through; else null
   * @param probeUntil while HALF_OPEN, when the probe counts as failed if it has not reported; else
   *     null
   */
  public record State(
      StateName name,
      int consecutiveFailures,
      int openings,
      @Nullable Instant openUntil,
      @Nullable Instant probeUntil) {
    static final State INITIAL = new State(StateName.CLOSED, 0, 0, null);

    /** A state that is not HALF_OPEN (no probe in flight). */
    public State(
        StateName name, int consecutiveFailures, int openings, @Nullable Instant openUntil) {
      this(name, consecutiveFailures, openings, openUntil, null);
    }
  }

  /** The probe limit of breakers created without one. */
  public static final Duration DEFAULT_PROBE_LIMIT = Duration.ofSeconds(60);

  private final URI endpoint;
  private final int failureThreshold;
  private final Duration baseOpen;
  private final Duration maxOpen;
  private final Duration probeLimit;
  private final Clock clock;
  private final DoubleSupplier random;
  private final AtomicReference<State> state = new AtomicReference<>(State.INITIAL);
  private final LongAdder timesOpened = new LongAdder();

  /**
   * Creates a closed breaker whose probes count as failed after {@link #DEFAULT_PROBE_LIMIT}.
   *
   * @param endpoint the endpoint guarded, for log lines
   * @param failureThreshold consecutive failures that open the breaker, at least 1
   * @param baseOpen how long the first opening lasts
   * @param maxOpen the longest an opening may last
   * @param clock the time source
   * @param random uniform values in [0, 1) for the jitter
   */
  public CircuitBreaker(
      URI endpoint,
      int failureThreshold,
      Duration baseOpen,
      Duration maxOpen,
      Clock clock,
      DoubleSupplier random) {
    this(endpoint, failureThreshold, baseOpen, maxOpen, DEFAULT_PROBE_LIMIT, clock, random);
  }

  /**
   * Creates a closed breaker.
   *
   * @param endpoint the endpoint guarded, for log lines
   * @param failureThreshold consecutive failures that open the breaker, at least 1
   * @param baseOpen how long the first opening lasts
   * @param maxOpen the longest an opening may last
   * @param probeLimit how long a half-open probe may go without reporting before it counts as
   *     failed; positive (the filter uses {@code failover_deadline}, which bounds every call)
   * @param clock the time source
   * @param random uniform values in [0, 1) for the jitter
   */
  public CircuitBreaker(
      URI endpoint,
      int failureThreshold,
      Duration baseOpen,
      Duration maxOpen,
      Duration probeLimit,
      Clock clock,
      DoubleSupplier random) {
    if (failureThreshold < 1) {
      throw new IllegalArgumentException(
          "failureThreshold must be at least 1 but was " + failureThreshold);
    }
    if (probeLimit.isNegative() || probeLimit.isZero()) {
      throw new IllegalArgumentException("probeLimit must be positive but was " + probeLimit);
    }
    this.endpoint = endpoint;
    this.failureThreshold = failureThreshold;
    this.baseOpen = baseOpen;
    this.maxOpen = maxOpen;
    this.probeLimit = probeLimit;
    this.clock = clock;
    this.random = random;
  }

  /**
   * Asks whether a call may go to the endpoint now. A caller that gets {@code true} must report
   * {@link #onSuccess()} or {@link #onFailure(String)}, whatever happens (even an {@link Error}):
   * in HALF_OPEN it is the one probe, and a probe silent for longer than the probe limit counts as
   * failed.
   */
  public boolean tryAcquirePermission() {
    while (true) {
      State current = expireProbe();
      switch (current.name()) {
        case CLOSED:
          return true;
        case HALF_OPEN:
          return false;
        case OPEN:
          Instant now = clock.instant();
          Instant until = current.openUntil();
          if (until != null && now.isBefore(until)) {
            return false;
          }
          State probing =
              new State(StateName.HALF_OPEN, 0, current.openings(), null, now.plus(probeLimit));
          if (state.compareAndSet(current, probing)) {
            log(current, probing, "open duration passed; letting one probe through");
            return true;
          }
          break; // lost a race: look again
        default:
          throw new AssertionError(current);
      }
    }
  }

  /** The endpoint gave a definite answer: close. */
  public void onSuccess() {
    State current = state.getAndSet(State.INITIAL);
    if (current.name() != StateName.CLOSED) {
      log(current, State.INITIAL, "endpoint answered");
    }
  }

  /**
   * The endpoint gave no answer.
   *
   * @param why what happened, for the log line if this opens the breaker; never a token
   */
  @SuppressWarnings("ReferenceEquality") // next == current: "no change", as compareAndSet compares
  public void onFailure(String why) {
    while (true) {
      State current = Objects.requireNonNull(state.get()); // never null: set only to States
      State next =
          switch (current.name()) {
            case CLOSED ->
                current.consecutiveFailures() + 1 >= failureThreshold
                    ? open(current.openings() + 1)
                    : new State(
                        StateName.CLOSED,
                        current.consecutiveFailures() + 1,
                        current.openings(),
                        null);
            case HALF_OPEN -> open(current.openings() + 1);
            case OPEN -> current; // a call let through before the breaker opened; nothing new
          };
      if (next == current || state.compareAndSet(current, next)) {
        if (next.name() != current.name()) {
          if (next.name() == StateName.OPEN) {
            timesOpened.increment();
          }
          log(current, next, why);
        }
        return;
      }
    }
  }

  /** The current state (a probe past its limit is first counted as failed). */
  public State state() {
    return expireProbe();
  }

  /** How often this breaker went to OPEN since it was created (reopenings after a probe too). */
  public long timesOpened() {
    return timesOpened.sum();
  }

  /** The endpoint this breaker guards. */
  public URI endpoint() {
    return endpoint;
  }

  /**
   * When a call may next go through: now unless OPEN, else the end of the opening.
   *
   * @return an instant, never before now
   */
  public Instant nextAttemptAt() {
    Instant until = expireProbe().openUntil();
    Instant now = clock.instant();
    return until != null && until.isAfter(now) ? until : now;
  }

  /** Reopens the breaker if its probe has been in flight past the probe limit; the state now. */
  private State expireProbe() {
    while (true) {
      State current = Objects.requireNonNull(state.get()); // never null: set only to States
      Instant probeUntil = current.probeUntil();
      if (current.name() != StateName.HALF_OPEN
          || probeUntil == null
          || clock.instant().isBefore(probeUntil)) {
        return current;
      }
      State reopened = open(current.openings() + 1);
      if (state.compareAndSet(current, reopened)) {
        timesOpened.increment();
        log(
            current,
            reopened,
            "the probe did not report within " + probeLimit.toMillis() + " ms; counted as failed");
        return reopened;
      }
    }
  }

  private State open(int openings) {
    // baseOpen * 2^(openings-1), capped; the shift is bounded so it cannot overflow.
    Duration full = baseOpen.multipliedBy(1L << Math.min(openings - 1, 30));
    if (full.compareTo(maxOpen) > 0 || full.isNegative()) {
      full = maxOpen;
    }
    long nanos = full.toNanos();
    long jittered = nanos - (long) (nanos * MAX_JITTER * random.getAsDouble());
    return new State(StateName.OPEN, 0, openings, clock.instant().plusNanos(jittered));
  }

  private void log(State from, State to, String why) {
    if (to.name() == StateName.OPEN && to.openUntil() != null) {
      Duration open = Duration.between(clock.instant(), to.openUntil());
      LOG.log(
          Level.WARNING,
          "Keystone endpoint {0}: circuit {1} -> {2} for {3} ms (opening {4} in a row): {5}",
          endpoint,
          from.name(),
          to.name(),
          open.toMillis(),
          to.openings(),
          why);
    } else {
      LOG.log(
          Level.WARNING,
          "Keystone endpoint {0}: circuit {1} -> {2}: {3}",
          endpoint,
          from.name(),
          to.name(),
          why);
    }
  }
}
