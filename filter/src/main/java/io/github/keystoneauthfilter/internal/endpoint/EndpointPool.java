package io.github.keystoneauthfilter.internal.endpoint;

import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.KeystoneUnavailableException;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Validates a token against Keystone endpoints in their configured order.
 *
 * <p>Endpoints whose breaker refuses are skipped; the first definite answer (valid or invalid)
 * wins. A 404 ("invalid") is final unless {@code notFoundTriesNext} is set, for independent sites
 * that replicate slowly: then the next endpoints are asked too and "invalid" is answered only if
 * none says "valid". When no endpoint answers, {@link KeystoneUnavailableException} says why for
 * each and when to retry. All attempts share one {@link Deadline}; nothing is retried here. Every
 * call let through by a breaker is reported to it, even one that dies of an {@link Error} (which
 * then goes on up), so a half-open probe is never left unreported.
 *
 * <h2>Hedging and demotion</h2>
 *
 * <p>With {@link Hedging} on, each call runs on a call thread of the pool while the request thread
 * waits for the first definite answer. When the endpoint asked has not answered within its hedge
 * delay (fixed, or adaptive: the 99th percentile of its last {@link LatencyWindow#SIZE} answers,
 * between a floor and a ceiling), the next admitted endpoint is asked too, once per validation and
 * only while the {@link HedgeBudget} allows; the first definite answer wins and the other call is
 * abandoned: it goes on on its call thread until it ends (at the latest at its own time limit or
 * the request's deadline) and is then reported to its breaker and counters like any call. A call
 * still unanswered at its hedge delay, or answered after it, is <em>late</em>; a late call still
 * pending when another endpoint's answer is used <em>lost the race</em>, and {@code demoteAfter}
 * lost races in a row (an answer used first resets the count) demote the endpoint behind the others
 * (as an open breaker is skipped, but it is still asked when the ones before it fail). A demoted
 * endpoint is probed every {@code probeInterval} by a call made alongside a validation's first call
 * (so the probe costs that request no time), and two on-time answers in a row restore it. Calls in
 * flight, abandoned ones included, are bounded by {@code maxCalls}: without a free call slot a
 * hedge or probe is not sent, and a validation with nothing in flight makes its call on the request
 * thread, unhedged.
 */
public final class EndpointPool implements TokenValidator, AutoCloseable {
  static final System.Logger LOG = System.getLogger(EndpointPool.class.getName());
  private static final Duration MIN_RETRY_AFTER = Duration.ofSeconds(1);

  /** On-time answers in a row that restore a demoted endpoint. */
  static final int RESTORE_AFTER = 2;

  /** The percentile of recent answers that an adaptive hedge delay is. */
  static final double HEDGE_PERCENTILE = 0.99;

  private final List<EndpointMember> members;
  private final Duration deadline;
  private final boolean notFoundTriesNext;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final Hedging hedging;
  private final HedgeBudget hedgeBudget;
  private final Semaphore callSlots;
  private final @Nullable ExecutorService calls;
  private final Object idle = new Object();
  private int running; // guarded by idle: calls started and not yet queued as done

  /**
   * Creates a pool without hedging: one endpoint at a time, on the request thread.
   *
   * @param members the endpoints in order of preference, at least one
   * @param deadline the time one validation may take across all attempts
   * @param notFoundTriesNext whether an "invalid" answer asks the next endpoints too
   * @param clock the breakers' time source, for Retry-After
   * @param nanoTime the monotonic source the deadline is measured on
   */
  public EndpointPool(
      List<EndpointMember> members,
      Duration deadline,
      boolean notFoundTriesNext,
      Clock clock,
      LongSupplier nanoTime) {
    this(members, deadline, notFoundTriesNext, Hedging.OFF, 1, clock, nanoTime);
  }

  /**
   * Creates a pool.
   *
   * @param members the endpoints in order of preference, at least one
   * @param deadline the time one validation may take across all attempts
   * @param notFoundTriesNext whether an "invalid" answer asks the next endpoints too
   * @param hedging whether and how to hedge and demote
   * @param maxCalls with hedging, the most calls in flight on call threads (abandoned ones
   *     included), at least 1
   * @param clock the breakers' time source, for Retry-After
   * @param nanoTime the monotonic source the deadline and hedge delays are measured on
   */
  public EndpointPool(
      List<EndpointMember> members,
      Duration deadline,
      boolean notFoundTriesNext,
      Hedging hedging,
      int maxCalls,
      Clock clock,
      LongSupplier nanoTime) {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("an endpoint pool needs at least one endpoint");
    }
    this.members = List.copyOf(members);
    this.deadline = deadline;
    this.notFoundTriesNext = notFoundTriesNext;
    this.clock = clock;
    this.nanoTime = nanoTime;
    if (maxCalls < 1) {
      throw new IllegalArgumentException("maxCalls must be at least 1 but was " + maxCalls);
    }
    this.hedging = hedging;
    this.hedgeBudget = new HedgeBudget(hedging.budget(), Hedging.BURST);
    this.callSlots = new Semaphore(maxCalls);
    this.calls = hedging.enabled() ? callThreads() : null;
  }

  private static ExecutorService callThreads() {
    AtomicInteger number = new AtomicInteger();
    ThreadFactory factory =
        task -> {
          Thread thread = new Thread(task, "keystone-call-" + number.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        };
    // Unbounded in threads, bounded by the call slots taken before each execute.
    return new ThreadPoolExecutor(
        0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), factory);
  }

  /**
   * Waits until no call is in flight (abandoned ones included), at most {@code limit}; for tests.
   *
   * @return whether none is
   */
  boolean awaitIdle(Duration limit) throws InterruptedException {
    long end = System.nanoTime() + limit.toNanos();
    synchronized (idle) {
      while (running > 0) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(idle, left);
      }
      return true;
    }
  }

  /** The hedging settings. */
  public Hedging hedging() {
    return hedging;
  }

  /**
   * Stops the call threads once their calls end (each ends by its time limit); new hedged calls are
   * then made on the request thread.
   */
  @Override
  public void close() {
    if (calls != null) {
      calls.shutdown();
    }
  }

  @Override
  public TokenValidation validate(AuthToken token) {
    return hedging.enabled() ? new Validation(token).run() : validateInTurn(token);
  }

  /** Without hedging: one endpoint after the other, on this thread. */
  private TokenValidation validateInTurn(AuthToken token) {
    Deadline budget = Deadline.after(deadline, nanoTime);
    List<String> reasons = new ArrayList<>(members.size());
    TokenValidation.@Nullable Invalid invalid = null;
    @Nullable EndpointMember failedOver = null; // failed or skipped; counts a failover if we go on
    for (EndpointMember member : members) {
      if (budget.isExpired()) {
        reasons.add(member.endpoint().uri() + ": not tried, request deadline passed");
        continue;
      }
      if (failedOver != null) {
        failedOver.failovers.increment();
        failedOver = null;
      }
      if (!member.breaker().tryAcquirePermission()) {
        member.skipped.increment();
        failedOver = member;
        reasons.add(
            member.endpoint().uri() + ": skipped, circuit " + member.breaker().state().name());
        continue;
      }
      Outcome outcome = attempt(member, token, budget, nanoTime.getAsLong());
      TokenValidation answer = outcome.answer();
      if (answer == null) {
        failedOver = member;
        reasons.add(outcome.failure());
        continue;
      }
      if (answer instanceof TokenValidation.Invalid notValid && notFoundTriesNext) {
        invalid = notValid;
        continue;
      }
      return answer;
    }
    if (invalid != null) {
      return invalid;
    }
    throw unavailable(reasons);
  }

  /** What one call gave: an answer, or why not. */
  private record Outcome(@Nullable TokenValidation answer, String failure) {}

  /**
   * Makes one call that the breaker let through and does its bookkeeping (counters, latency,
   * breaker report). An {@link Error} is reported to the breaker and thrown.
   */
  private Outcome attempt(EndpointMember member, AuthToken token, Deadline budget, long start) {
    TokenValidation answer;
    try {
      answer = member.endpoint().validate(token, budget);
    } catch (EndpointFailureException e) {
      member.called(nanoTime.getAsLong() - start);
      member.failed(clock.instant(), String.valueOf(e.getMessage()));
      record(member, e);
      return new Outcome(null, String.valueOf(e.getMessage()));
    } catch (RuntimeException e) {
      member.called(nanoTime.getAsLong() - start);
      member.failed(
          clock.instant(), member.endpoint().uri() + ": unexpected " + e.getClass().getName());
      // A bug or an unexpected library error must not leave a half-open probe hanging nor
      // become a 500: count it as an endpoint failure and go on.
      LOG.log(Level.ERROR, "unexpected error validating a token at " + member.endpoint().uri(), e);
      member.breaker().onFailure("unexpected " + e.getClass().getName());
      return new Outcome(
          null, member.endpoint().uri() + ": unexpected " + e.getClass().getSimpleName());
    } catch (Error e) {
      // OutOfMemoryError, StackOverflowError, an AssertionError from a library: not ours to
      // handle, but the breaker must still hear of it (else a half-open probe would never
      // report), before the error goes on up.
      try {
        member.failed(
            clock.instant(), member.endpoint().uri() + ": call died of " + e.getClass().getName());
      } finally {
        member.breaker().onFailure("call died of " + e.getClass().getName());
      }
      throw e;
    }
    member.called(nanoTime.getAsLong() - start);
    (answer instanceof TokenValidation.Valid ? member.valid : member.invalid).increment();
    member.breaker().onSuccess();
    return new Outcome(answer, "");
  }

  private KeystoneUnavailableException unavailable(List<String> reasons) {
    return new KeystoneUnavailableException(
        "no Keystone endpoint could validate the token: " + String.join("; ", reasons),
        retryAfter());
  }

  /** The hedge delay of {@code member} now, in nanoseconds. */
  private long hedgeDelay(EndpointMember member) {
    Duration fixed = hedging.fixedDelay();
    if (fixed != null) {
      member.delayNanos = fixed.toNanos();
      return fixed.toNanos();
    }
    long added = member.window.added();
    long cached = member.delayNanos;
    // While demoted the window takes no samples, so the delay stays what it was when the endpoint
    // was still on time: the yardstick its probes must meet to be restored.
    if (cached >= 0
        && (member.demoted() || added - member.delayComputedAt < LatencyWindow.REFRESH)) {
      return cached;
    }
    long high = member.window.percentile(HEDGE_PERCENTILE, LatencyWindow.MIN_SAMPLES);
    long delay =
        high < 0
            ? hedging.maxDelay().toNanos()
            : Math.max(hedging.minDelay().toNanos(), Math.min(hedging.maxDelay().toNanos(), high));
    member.delayNanos = delay;
    member.delayComputedAt = added;
    return delay;
  }

  /** Why a call was started. */
  private enum Role {
    /** The first call of a validation, or the next after a failure. */
    IN_TURN,
    /** A second ask, because the one in turn was late. */
    HEDGE,
    /** A look at a demoted endpoint, alongside the first call. */
    PROBE
  }

  /** One call on a call thread (or, without a free call slot, on the request thread). */
  private final class Flight implements Runnable {
    final EndpointMember member;
    final Role role;
    final long start;
    final long delay;
    final Validation validation;
    final AtomicBoolean judged = new AtomicBoolean();
    final boolean slotHeld;
    // Written by the call's thread before it queues this; read after taking it off the queue.
    @Nullable Outcome outcome;
    @Nullable Error error;

    Flight(EndpointMember member, Role role, Validation validation, boolean slotHeld) {
      this.member = member;
      this.role = role;
      this.validation = validation;
      this.slotHeld = slotHeld;
      this.delay = hedgeDelay(member);
      this.start = nanoTime.getAsLong();
    }

    @Override
    public void run() {
      try {
        Outcome result = attempt(member, validation.token, validation.budget, start);
        long elapsed = nanoTime.getAsLong() - start;
        if (result.answer() != null) {
          if (!member.demoted()) {
            member.window.add(elapsed);
          }
          judge(elapsed > delay);
        } else if (elapsed > delay) {
          judge(true); // a slow failure is late too; a quick one says nothing of latency
        }
        outcome = result;
      } catch (Error e) {
        error = e;
      } finally {
        if (slotHeld) {
          callSlots.release();
        }
        validation.done.add(this);
        synchronized (idle) {
          running--;
          idle.notifyAll();
        }
      }
    }

    /** Judges this call late or on time, once. */
    void judge(boolean wasLate) {
      if (judged.compareAndSet(false, true)) {
        member.judged(wasLate);
      }
    }
  }

  /** One hedged validation: its calls, the order it asks in, and why endpoints gave no answer. */
  private final class Validation {
    final AuthToken token;
    final Deadline budget;
    final BlockingQueue<Flight> done = new LinkedBlockingQueue<>();
    final List<EndpointMember> order = new ArrayList<>(members.size());
    final List<String> reasons = new ArrayList<>(members.size());
    final List<Flight> inFlight = new ArrayList<>(3);
    int next;
    @Nullable EndpointMember probed;
    @Nullable EndpointMember failedOver;

    Validation(AuthToken token) {
      this.token = token;
      this.budget = Deadline.after(deadline, nanoTime);
      for (EndpointMember member : members) {
        if (!member.demoted()) {
          order.add(member);
        }
      }
      for (EndpointMember member : members) {
        if (member.demoted()) {
          order.add(member);
        }
      }
    }

    TokenValidation run() {
      hedgeBudget.earn();
      startProbe();
      TokenValidation.@Nullable Invalid invalid = null;
      @Nullable Flight timed = startNext(Role.IN_TURN); // the call whose hedge delay runs
      boolean hedged = false;
      while (true) {
        if (inFlight.isEmpty()) {
          timed = startNext(Role.IN_TURN);
          if (timed == null) {
            break;
          }
        }
        long now = nanoTime.getAsLong();
        long wait = budget.remaining().toNanos();
        @Nullable Flight hedgeFor =
            !hedged && timed != null && inFlight.contains(timed) && hasNext() ? timed : null;
        if (hedgeFor != null) {
          wait = Math.min(wait, hedgeFor.start + hedgeFor.delay - now);
        }
        Flight finished;
        try {
          finished = wait <= 0 ? done.poll() : done.poll(wait, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          reasons.add("interrupted while waiting for Keystone");
          break;
        }
        if (finished == null) {
          if (budget.isExpired()) {
            for (Flight flight : inFlight) {
              reasons.add(flight.member.endpoint().uri() + ": no answer before the deadline");
            }
            break;
          }
          if (hedgeFor != null && nanoTime.getAsLong() - (hedgeFor.start + hedgeFor.delay) >= 0) {
            hedged = true;
            hedgeFor.judge(true);
            if (hedgeBudget.trySpend() && startNext(Role.HEDGE) == null) {
              hedgeBudget.refund();
            }
          }
          continue;
        }
        inFlight.remove(finished);
        Error error = finished.error;
        if (error != null) {
          throw error;
        }
        Outcome outcome = Objects.requireNonNull(finished.outcome);
        TokenValidation answer = outcome.answer();
        if (answer != null) {
          if (finished.role == Role.HEDGE) {
            finished.member.hedgesWon.increment();
          }
          if (answer instanceof TokenValidation.Invalid notValid && notFoundTriesNext) {
            invalid = notValid;
            continue;
          }
          settleRace(finished);
          return answer;
        }
        if (finished.role == Role.PROBE) {
          continue; // an extra look; its failure is its breaker's business, not a failover
        }
        reasons.add(outcome.failure());
        failedOver = finished.member;
        @Nullable Flight replacement = startNext(Role.IN_TURN);
        if (replacement != null && !hedged) {
          timed = replacement;
        }
      }
      if (invalid != null) {
        return invalid;
      }
      throw unavailable(reasons);
    }

    /**
     * The answer of {@code winner} is used: the late calls still pending lost the race to it (a
     * probe neither wins nor loses one: it is a look alongside).
     */
    private void settleRace(Flight winner) {
      long now = nanoTime.getAsLong();
      for (Flight pending : inFlight) {
        if (pending.role != Role.PROBE && pending.judged.get()) {
          pending.member.lost(hedging, now);
        }
      }
      if (winner.role != Role.PROBE) {
        winner.member.won();
      }
    }

    boolean hasNext() {
      for (int i = next; i < order.size(); i++) {
        if (order.get(i) != probed) {
          return true;
        }
      }
      return false;
    }

    /** Starts a call to the next endpoint in order that its breaker admits; null if none. */
    @Nullable Flight startNext(Role role) {
      while (next < order.size()) {
        EndpointMember member = order.get(next++);
        if (member == probed) {
          continue; // asked already
        }
        if (budget.isExpired()) {
          reasons.add(member.endpoint().uri() + ": not tried, request deadline passed");
          continue;
        }
        boolean slot = callSlots.tryAcquire();
        if (!slot && !inFlight.isEmpty()) {
          next--; // no call thread free: do not ask now (a later failover may)
          return null;
        }
        EndpointMember before = failedOver;
        if (before != null) {
          before.failovers.increment();
          failedOver = null;
        }
        if (!member.breaker().tryAcquirePermission()) {
          if (slot) {
            callSlots.release();
          }
          member.skipped.increment();
          failedOver = member;
          reasons.add(
              member.endpoint().uri() + ": skipped, circuit " + member.breaker().state().name());
          continue;
        }
        if (role == Role.HEDGE) {
          member.hedgesSent.increment();
        }
        return launch(new Flight(member, role, this, slot));
      }
      return null;
    }

    /** Sends a probe to a demoted endpoint whose probe is due, if it is not first anyway. */
    private void startProbe() {
      if (order.isEmpty() || order.get(0).demoted()) {
        return; // every endpoint is demoted: the first call tells how the first one does
      }
      long now = nanoTime.getAsLong();
      for (EndpointMember member : order) {
        if (member.claimProbe(hedging, now)) {
          if (!callSlots.tryAcquire()) {
            return;
          }
          if (!member.breaker().tryAcquirePermission()) {
            callSlots.release();
            return; // open: the breaker's own probe will tell
          }
          member.probes.increment();
          probed = member;
          launch(new Flight(member, Role.PROBE, this, true));
          return;
        }
      }
    }

    private Flight launch(Flight flight) {
      inFlight.add(flight);
      synchronized (idle) {
        running++;
      }
      ExecutorService threads = calls;
      if (flight.slotHeld && threads != null) {
        try {
          threads.execute(flight);
          return flight;
        } catch (RejectedExecutionException e) {
          // closed: make the call here
        }
      }
      flight.run();
      return flight;
    }
  }

  /** The members in order, for status reports. */
  public List<EndpointMember> members() {
    return members;
  }

  private static void record(EndpointMember member, EndpointFailureException e) {
    if (e.kind() == EndpointFailureException.Kind.UNAVAILABLE) {
      member.breaker().onFailure(e.getMessage());
    } else {
      // The endpoint is up and answering; our configuration is wrong. Keep the breaker closed
      // (this also ends a half-open probe) and let the client's log line tell the operator.
      member.breaker().onSuccess();
    }
  }

  /** Until the earliest endpoint may be tried again, at least one second. */
  private Duration retryAfter() {
    Instant now = clock.instant();
    Instant earliest = null;
    for (EndpointMember member : members) {
      Instant next = member.breaker().nextAttemptAt();
      if (earliest == null || next.isBefore(earliest)) {
        earliest = next;
      }
    }
    Duration wait = earliest == null ? Duration.ZERO : Duration.between(now, earliest);
    return wait.compareTo(MIN_RETRY_AFTER) < 0 ? MIN_RETRY_AFTER : wait;
  }
}
