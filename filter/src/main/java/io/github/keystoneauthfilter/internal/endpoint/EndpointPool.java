package io.github.keystoneauthfilter.internal.endpoint;

import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.KeystoneUnavailableException;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import io.github.keystoneauthfilter.metrics.EndpointFailure;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
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
 */
public final class EndpointPool implements TokenValidator {
  private static final System.Logger LOG = System.getLogger(EndpointPool.class.getName());
  private static final Duration MIN_RETRY_AFTER = Duration.ofSeconds(1);

  /**
   * An endpoint, its breaker and what it has done so far. The counters are cheap to update
   * (LongAdders, no allocation) and are read by the filter's metrics.
   */
  public static final class Member {
    private final Endpoint endpoint;
    private final CircuitBreaker breaker;
    private final LongAdder valid = new LongAdder();
    private final LongAdder invalid = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder failovers = new LongAdder();
    private final LongAdder calls = new LongAdder();
    private final LongAdder callNanos = new LongAdder();
    private final LongAccumulator maxCallNanos = new LongAccumulator(Math::max, 0);
    private volatile @Nullable EndpointFailure lastFailure;

    /** Pairs an endpoint with its breaker. */
    public Member(Endpoint endpoint, CircuitBreaker breaker) {
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

    /** The latest call to this endpoint that gave no definite answer, or null if none has. */
    public @Nullable EndpointFailure lastFailure() {
      return lastFailure;
    }

    private void failed(Instant at, String reason) {
      failures.increment();
      lastFailure = new EndpointFailure(endpoint.uri(), at, reason);
    }

    private void called(long nanos) {
      long elapsed = Math.max(0, nanos);
      calls.increment();
      callNanos.add(elapsed);
      maxCallNanos.accumulate(elapsed);
    }
  }

  private final List<Member> members;
  private final Duration deadline;
  private final boolean notFoundTriesNext;
  private final Clock clock;
  private final LongSupplier nanoTime;

  /**
   * Creates a pool.
   *
   * @param members the endpoints in order of preference, at least one
   * @param deadline the time one validation may take across all attempts
   * @param notFoundTriesNext whether an "invalid" answer asks the next endpoints too
   * @param clock the breakers' time source, for Retry-After
   * @param nanoTime the monotonic source the deadline is measured on
   */
  public EndpointPool(
      List<Member> members,
      Duration deadline,
      boolean notFoundTriesNext,
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
  }

  @Override
  public TokenValidation validate(AuthToken token) {
    Deadline budget = Deadline.after(deadline, nanoTime);
    List<String> reasons = new ArrayList<>(members.size());
    TokenValidation.@Nullable Invalid invalid = null;
    @Nullable Member failedOver = null; // failed or skipped; counts a failover if we go on
    for (Member member : members) {
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
      TokenValidation answer;
      long start = nanoTime.getAsLong();
      try {
        answer = member.endpoint().validate(token, budget);
      } catch (EndpointFailureException e) {
        member.called(nanoTime.getAsLong() - start);
        member.failed(clock.instant(), e.getMessage());
        failedOver = member;
        record(member, e);
        reasons.add(e.getMessage());
        continue;
      } catch (RuntimeException e) {
        member.called(nanoTime.getAsLong() - start);
        member.failed(
            clock.instant(), member.endpoint().uri() + ": unexpected " + e.getClass().getName());
        failedOver = member;
        // A bug or an unexpected library error must not leave a half-open probe hanging nor
        // become a 500: count it as an endpoint failure and go on.
        LOG.log(
            Level.ERROR, "unexpected error validating a token at " + member.endpoint().uri(), e);
        member.breaker().onFailure("unexpected " + e.getClass().getName());
        reasons.add(member.endpoint().uri() + ": unexpected " + e.getClass().getSimpleName());
        continue;
      } catch (Error e) {
        // OutOfMemoryError, StackOverflowError, an AssertionError from a library: not ours to
        // handle, but the breaker must still hear of it (else a half-open probe would never
        // report), before the error goes on up.
        try {
          member.failed(
              clock.instant(),
              member.endpoint().uri() + ": call died of " + e.getClass().getName());
        } finally {
          member.breaker().onFailure("call died of " + e.getClass().getName());
        }
        throw e;
      }
      member.called(nanoTime.getAsLong() - start);
      (answer instanceof TokenValidation.Valid ? member.valid : member.invalid).increment();
      member.breaker().onSuccess();
      if (answer instanceof TokenValidation.Invalid notValid && notFoundTriesNext) {
        invalid = notValid;
        continue;
      }
      return answer;
    }
    if (invalid != null) {
      return invalid;
    }
    throw new KeystoneUnavailableException(
        "no Keystone endpoint could validate the token: " + String.join("; ", reasons),
        retryAfter());
  }

  /** The members in order, for status reports. */
  public List<Member> members() {
    return members;
  }

  private static void record(Member member, EndpointFailureException e) {
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
    for (Member member : members) {
      Instant next = member.breaker().nextAttemptAt();
      if (earliest == null || next.isBefore(earliest)) {
        earliest = next;
      }
    }
    Duration wait = earliest == null ? Duration.ZERO : Duration.between(now, earliest);
    return wait.compareTo(MIN_RETRY_AFTER) < 0 ? MIN_RETRY_AFTER : wait;
  }
}
