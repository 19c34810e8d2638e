package io.github.keystoneauthfilter.internal.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.internal.endpoint.CircuitBreaker.StateName;
import io.github.keystoneauthfilter.internal.endpoint.EndpointFailureException.Kind;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.KeystoneUnavailableException;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.metrics.EndpointFailure;
import io.github.keystoneauthfilter.testing.Identities;
import io.github.keystoneauthfilter.testing.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EndpointPoolTest {
  private static final Instant START = Instant.parse("2026-11-28T12:00:00Z");
  private static final Duration BASE_OPEN = Duration.ofSeconds(5);
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final String TOKEN_VALUE = "gAAAAABn-secret-user-token-value";
  private static final AuthToken TOKEN = AuthToken.of(TOKEN_VALUE);
  private static final TokenValidation VALID =
      new TokenValidation.Valid(
          Identities.user("u-1")
              .name("alice")
              .project("p-1", "demo")
              .roles("member")
              .expiresAt(START.plusSeconds(3600))
              .build());
  private static final TokenValidation INVALID = new TokenValidation.Invalid("404 from Keystone");

  private final MutableClock clock = new MutableClock(START);
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  /** What a fake endpoint does when asked. */
  @FunctionalInterface
  private interface Script {
    TokenValidation answer(FakeEndpoint self, Deadline deadline) throws EndpointFailureException;
  }

  /** A scripted endpoint that counts its calls and records the time left on each. */
  private static final class FakeEndpoint implements Endpoint {
    private final URI uri;
    private final Script script;
    private final List<Duration> remainingAtCall = new ArrayList<>();

    FakeEndpoint(String uri, Script script) {
      this.uri = URI.create(uri);
      this.script = script;
    }

    @Override
    public URI uri() {
      return uri;
    }

    @Override
    public TokenValidation validate(AuthToken token, Deadline deadline)
        throws EndpointFailureException {
      remainingAtCall.add(deadline.remaining());
      return script.answer(this, deadline);
    }

    int calls() {
      return remainingAtCall.size();
    }
  }

  private static FakeEndpoint answering(String uri, TokenValidation answer) {
    return new FakeEndpoint(uri, (self, deadline) -> answer);
  }

  private static FakeEndpoint failing(String uri, Kind kind, String reason) {
    return new FakeEndpoint(
        uri,
        (self, deadline) -> {
          throw new EndpointFailureException(kind, self.uri(), reason);
        });
  }

  private static FakeEndpoint crashing(String uri) {
    return new FakeEndpoint(
        uri,
        (self, deadline) -> {
          throw new IllegalStateException("bug while handling " + TOKEN_VALUE);
        });
  }

  /** Spends {@code spent} of the request's budget, then times out. */
  private FakeEndpoint hanging(String uri, Duration spent) {
    return new FakeEndpoint(
        uri,
        (self, deadline) -> {
          nanos.addAndGet(spent.toNanos());
          throw new EndpointFailureException(Kind.UNAVAILABLE, self.uri(), "read timed out");
        });
  }

  private CircuitBreaker breaker(FakeEndpoint endpoint, int threshold) {
    return new CircuitBreaker(
        endpoint.uri(), threshold, BASE_OPEN, Duration.ofSeconds(60), clock, () -> 0.0);
  }

  private EndpointPool pool(boolean notFoundTriesNext, int threshold, FakeEndpoint... endpoints) {
    List<EndpointMember> members = new ArrayList<>();
    for (FakeEndpoint endpoint : endpoints) {
      members.add(new EndpointMember(endpoint, breaker(endpoint, threshold)));
    }
    return new EndpointPool(members, DEADLINE, notFoundTriesNext, clock, nanos::get);
  }

  private EndpointPool pool(FakeEndpoint... endpoints) {
    return pool(false, 3, endpoints);
  }

  private static CircuitBreaker breakerOf(EndpointPool pool, int index) {
    return pool.members().get(index).breaker();
  }

  @Test
  void constructorWhenNoEndpointsThenFails() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new EndpointPool(List.of(), DEADLINE, false, clock, nanos::get));
  }

  @Test
  void validateWhenFirstAnswersValidThenSecondNotAsked() {
    FakeEndpoint a = answering("http://a:5000", VALID);
    FakeEndpoint b = answering("http://b:5000", VALID);

    TokenValidation answer = pool(a, b).validate(TOKEN);

    assertEquals(VALID, answer);
    assertEquals(1, a.calls());
    assertEquals(0, b.calls());
  }

  @Test
  void validateWhenFirstSaysInvalidThenFinalAndSecondNotAsked() {
    FakeEndpoint a = answering("http://a:5000", INVALID);
    FakeEndpoint b = answering("http://b:5000", VALID);

    TokenValidation answer = pool(a, b).validate(TOKEN);

    assertEquals(INVALID, answer);
    assertEquals(0, b.calls());
  }

  @Test
  void validateWhenFailoverOnNotFoundAndSecondSaysValidThenValid() {
    FakeEndpoint a = answering("http://a:5000", INVALID);
    FakeEndpoint b = answering("http://b:5000", VALID);
    FakeEndpoint c = answering("http://c:5000", INVALID);

    TokenValidation answer = pool(true, 3, a, b, c).validate(TOKEN);

    assertEquals(VALID, answer);
    assertEquals(1, b.calls());
    assertEquals(0, c.calls());
  }

  @Test
  void validateWhenFailoverOnNotFoundAndNoneSaysValidThenInvalid() {
    FakeEndpoint a = answering("http://a:5000", INVALID);
    FakeEndpoint b = answering("http://b:5000", INVALID);

    TokenValidation answer = pool(true, 3, a, b).validate(TOKEN);

    assertInstanceOf(TokenValidation.Invalid.class, answer);
    assertEquals(1, a.calls());
    assertEquals(1, b.calls());
  }

  @Test
  void validateWhenFailoverOnNotFoundAndOthersUnavailableThenInvalidNotUnavailable() {
    FakeEndpoint a = answering("http://a:5000", INVALID);
    FakeEndpoint b = failing("http://b:5000", Kind.UNAVAILABLE, "connection refused");

    TokenValidation answer = pool(true, 3, a, b).validate(TOKEN);

    assertEquals(INVALID, answer);
    assertEquals(1, a.calls());
    assertEquals(1, b.calls(), "b was never asked, so its being unavailable was never seen");
  }

  @Test
  void validateWhenFirstUnavailableThenSecondAnswers() {
    FakeEndpoint a = failing("http://a:5000", Kind.UNAVAILABLE, "connection refused");
    FakeEndpoint b = answering("http://b:5000", VALID);

    TokenValidation answer = pool(a, b).validate(TOKEN);

    assertEquals(VALID, answer);
    assertEquals(1, a.calls());
    assertEquals(1, b.calls());
  }

  @Test
  void validateWhenUnavailableThenCountsTowardBreaker() {
    FakeEndpoint a = failing("http://a:5000", Kind.UNAVAILABLE, "503 from Keystone");
    FakeEndpoint b = answering("http://b:5000", VALID);
    EndpointPool pool = pool(false, 2, a, b);

    pool.validate(TOKEN);
    assertEquals(1, breakerOf(pool, 0).state().consecutiveFailures());
    pool.validate(TOKEN);

    assertEquals(StateName.OPEN, breakerOf(pool, 0).state().name());
    assertEquals(StateName.CLOSED, breakerOf(pool, 1).state().name());
  }

  @Test
  void validateWhenMisconfiguredThenMovesOnWithoutOpeningBreaker() {
    FakeEndpoint a = failing("http://a:5000", Kind.MISCONFIGURED, "403 for the service user");
    FakeEndpoint b = answering("http://b:5000", VALID);
    EndpointPool pool = pool(false, 1, a, b);

    TokenValidation first = pool.validate(TOKEN);
    TokenValidation second = pool.validate(TOKEN);

    assertEquals(VALID, first);
    assertEquals(VALID, second);
    assertEquals(2, a.calls());
    assertEquals(StateName.CLOSED, breakerOf(pool, 0).state().name());
    assertEquals(0, breakerOf(pool, 0).state().consecutiveFailures());
  }

  @Test
  void validateWhenFirstOpenThenSkippedWithoutCall() {
    FakeEndpoint a = failing("http://a:5000", Kind.UNAVAILABLE, "connection refused");
    FakeEndpoint b = answering("http://b:5000", VALID);
    EndpointPool pool = pool(false, 1, a, b);
    pool.validate(TOKEN); // opens a

    TokenValidation answer = pool.validate(TOKEN);

    assertEquals(VALID, answer);
    assertEquals(1, a.calls());
    assertEquals(2, b.calls());
  }

  @Test
  void validateWhenOpenDurationPassedThenFirstProbedAndTakesTrafficBack() {
    List<Boolean> up = new ArrayList<>(List.of(false));
    FakeEndpoint a =
        new FakeEndpoint(
            "http://a:5000",
            (self, deadline) -> {
              if (!up.get(0)) {
                throw new EndpointFailureException(Kind.UNAVAILABLE, self.uri(), "refused");
              }
              return VALID;
            });
    FakeEndpoint b = answering("http://b:5000", VALID);
    EndpointPool pool = pool(false, 1, a, b);
    pool.validate(TOKEN); // opens a
    up.set(0, true);
    clock.advance(BASE_OPEN);

    pool.validate(TOKEN);

    assertEquals(2, a.calls());
    assertEquals(1, b.calls());
    assertEquals(StateName.CLOSED, breakerOf(pool, 0).state().name());
  }

  @Test
  void validateWhenAllOpenThenUnavailableAtOnceWithoutCalls() {
    FakeEndpoint a = failing("http://a:5000", Kind.UNAVAILABLE, "connection refused");
    FakeEndpoint b = failing("http://b:5000", Kind.UNAVAILABLE, "connection refused");
    EndpointPool pool = pool(false, 1, a, b);
    assertThrows(KeystoneUnavailableException.class, () -> pool.validate(TOKEN)); // opens both

    KeystoneUnavailableException e =
        assertThrows(KeystoneUnavailableException.class, () -> pool.validate(TOKEN));

    assertEquals(1, a.calls());
    assertEquals(1, b.calls());
    assertEquals(
        "no Keystone endpoint could validate the token: "
            + "http://a:5000: skipped, circuit OPEN; http://b:5000: skipped, circuit OPEN",
        e.getMessage());
  }

  @Test
  void validateWhenAllOpenThenRetryAfterIsTimeToEarliestHalfOpen() {
    FakeEndpoint a = failing("http://a:5000", Kind.UNAVAILABLE, "connection refused");
    FakeEndpoint b = failing("http://b:5000", Kind.UNAVAILABLE, "connection refused");
    EndpointPool pool = pool(false, 1, a, b);
    assertThrows(KeystoneUnavailableException.class, () -> pool.validate(TOKEN)); // both to +5 s
    clock.advance(BASE_OPEN);
    // a's probe fails at +5 s (open to +15 s); b's fails at +7 s (open to +17 s)
    assertTrue(breakerOf(pool, 0).tryAcquirePermission());
    breakerOf(pool, 0).onFailure("still down");
    clock.advance(Duration.ofSeconds(2));
    assertTrue(breakerOf(pool, 1).tryAcquirePermission());
    breakerOf(pool, 1).onFailure("still down");
    clock.advance(Duration.ofSeconds(3));

    KeystoneUnavailableException e =
        assertThrows(KeystoneUnavailableException.class, () -> pool.validate(TOKEN));

    assertEquals(Duration.ofSeconds(5), e.retryAfter()); // now +10 s, a half-opens at +15 s
    assertEquals(1, a.calls());
    assertEquals(1, b.calls());
  }

  @Test
  void validateWhenEarliestHalfOpenUnderOneSecondThenRetryAfterOneSecond() {
    FakeEndpoint a = failing("http://a:5000", Kind.UNAVAILABLE, "connection refused");
    EndpointPool pool = pool(false, 1, a);
    assertThrows(KeystoneUnavailableException.class, () -> pool.validate(TOKEN));
    clock.advance(BASE_OPEN.minusMillis(300));

    KeystoneUnavailableException e =
        assertThrows(KeystoneUnavailableException.class, () -> pool.validate(TOKEN));

    assertEquals(Duration.ofSeconds(1), e.retryAfter());
  }

  @Test
  void validateWhenOnlyEndpointHasProbeInFlightThenSkippedWithRetryAfterOneSecond() {
    FakeEndpoint a = failing("http://a:5000", Kind.UNAVAILABLE, "connection refused");
    EndpointPool pool = pool(false, 1, a);
    assertThrows(KeystoneUnavailableException.class, () -> pool.validate(TOKEN));
    clock.advance(BASE_OPEN);
    assertTrue(breakerOf(pool, 0).tryAcquirePermission()); // another request's probe

    KeystoneUnavailableException e =
        assertThrows(KeystoneUnavailableException.class, () -> pool.validate(TOKEN));

    assertEquals(1, a.calls());
    assertTrue(
        e.getMessage().endsWith("http://a:5000: skipped, circuit HALF_OPEN"), e.getMessage());
    assertEquals(Duration.ofSeconds(1), e.retryAfter());
  }

  @Test
  void validateWhenEveryEndpointFailsThenMessageNamesEachAndWhy() {
    FakeEndpoint a = failing("http://a:5000", Kind.UNAVAILABLE, "503 Service Unavailable");
    FakeEndpoint b = failing("http://b:5000", Kind.MISCONFIGURED, "403 for the service user");
    FakeEndpoint c = crashing("http://c:5000");

    KeystoneUnavailableException e =
        assertThrows(KeystoneUnavailableException.class, () -> pool(a, b, c).validate(TOKEN));

    assertEquals(
        "no Keystone endpoint could validate the token: "
            + "http://a:5000: 503 Service Unavailable; "
            + "http://b:5000: 403 for the service user; "
            + "http://c:5000: unexpected IllegalStateException",
        e.getMessage());
    assertNotNull(e.retryAfter());
  }

  @Test
  void lastFailureWhenEndpointsFailThenEachKeepsItsLatestWithTimeAndReason() {
    FakeEndpoint a = failing("http://a:5000", Kind.UNAVAILABLE, "503 Service Unavailable");
    FakeEndpoint b = crashing("http://b:5000");
    FakeEndpoint c = answering("http://c:5000", VALID);
    EndpointPool pool = pool(false, 3, a, b, c);
    assertEquals(null, pool.members().get(0).lastFailure());

    pool.validate(TOKEN);
    clock.advance(Duration.ofSeconds(7));
    pool.validate(TOKEN);

    EndpointFailure first = pool.members().get(0).lastFailure();
    assertEquals(
        new EndpointFailure(
            URI.create("http://a:5000"),
            START.plusSeconds(7),
            "http://a:5000: 503 Service Unavailable"),
        first);
    EndpointFailure second = pool.members().get(1).lastFailure();
    assertNotNull(second);
    assertEquals("http://b:5000: unexpected java.lang.IllegalStateException", second.reason());
    assertFalse(second.reason().contains(TOKEN_VALUE), second.reason());
    assertEquals(null, pool.members().get(2).lastFailure(), "c answered");
  }

  @Test
  void validateWhenUnavailableThenMessageNeverContainsToken() {
    FakeEndpoint a = crashing("http://a:5000");
    FakeEndpoint b = failing("http://b:5000", Kind.UNAVAILABLE, "read timed out");
    EndpointPool pool = pool(false, 1, a, b);

    KeystoneUnavailableException first =
        assertThrows(KeystoneUnavailableException.class, () -> pool.validate(TOKEN));
    KeystoneUnavailableException second =
        assertThrows(KeystoneUnavailableException.class, () -> pool.validate(TOKEN));

    assertFalse(first.getMessage().contains(TOKEN_VALUE), first.getMessage());
    assertFalse(second.getMessage().contains(TOKEN_VALUE), second.getMessage());
    assertFalse(first.getMessage().contains(TOKEN.hash()), first.getMessage());
  }

  @Test
  void validateWhenEndpointThrowsRuntimeExceptionThenCountedAsFailureAndNextAsked() {
    FakeEndpoint a = crashing("http://a:5000");
    FakeEndpoint b = answering("http://b:5000", VALID);
    EndpointPool pool = pool(false, 1, a, b);

    TokenValidation answer = pool.validate(TOKEN);

    assertEquals(VALID, answer);
    assertEquals(StateName.OPEN, breakerOf(pool, 0).state().name());
  }

  @Test
  void validateWhenProbeThrowsRuntimeExceptionThenReopensLonger() {
    FakeEndpoint a = crashing("http://a:5000");
    FakeEndpoint b = answering("http://b:5000", VALID);
    EndpointPool pool = pool(false, 1, a, b);
    pool.validate(TOKEN); // opens a for 5 s
    clock.advance(BASE_OPEN);

    pool.validate(TOKEN); // a is the probe and crashes again

    assertEquals(2, a.calls());
    assertEquals(StateName.OPEN, breakerOf(pool, 0).state().name());
    assertEquals(
        clock.instant().plus(BASE_OPEN.multipliedBy(2)), breakerOf(pool, 0).nextAttemptAt());
  }

  @Test
  void validateWhenSeveralEndpointsThenAllShareOneDeadline() {
    FakeEndpoint a = hanging("http://a:5000", Duration.ofSeconds(4));
    FakeEndpoint b = answering("http://b:5000", VALID);

    pool(a, b).validate(TOKEN);

    assertEquals(List.of(DEADLINE), a.remainingAtCall);
    assertEquals(List.of(Duration.ofSeconds(6)), b.remainingAtCall);
  }

  @Test
  void validateWhenDeadlinePassedThenLaterEndpointsNotTried() {
    FakeEndpoint a = hanging("http://a:5000", DEADLINE.plusSeconds(1));
    FakeEndpoint b = answering("http://b:5000", VALID);
    FakeEndpoint c = answering("http://c:5000", VALID);
    EndpointPool pool = pool(a, b, c);

    KeystoneUnavailableException e =
        assertThrows(KeystoneUnavailableException.class, () -> pool.validate(TOKEN));

    assertEquals(0, b.calls());
    assertEquals(0, c.calls());
    assertTrue(
        e.getMessage()
            .endsWith(
                "http://a:5000: read timed out; "
                    + "http://b:5000: not tried, request deadline passed; "
                    + "http://c:5000: not tried, request deadline passed"),
        e.getMessage());
    assertEquals(0, breakerOf(pool, 1).state().consecutiveFailures());
  }

  @Test
  void validateWhenNewRequestThenFreshDeadline() {
    FakeEndpoint a = hanging("http://a:5000", DEADLINE.plusSeconds(1));
    EndpointPool pool = pool(a);
    assertThrows(KeystoneUnavailableException.class, () -> pool.validate(TOKEN));

    assertThrows(KeystoneUnavailableException.class, () -> pool.validate(TOKEN));

    assertEquals(List.of(DEADLINE, DEADLINE), a.remainingAtCall);
  }

  @Test
  void validateWhenPrimaryFailsThenItsFailureAndFailoverCountedAndSecondsAnswer() {
    FakeEndpoint a =
        new FakeEndpoint(
            "http://a:5000",
            (self, deadline) -> {
              nanos.addAndGet(Duration.ofMillis(30).toNanos());
              throw new EndpointFailureException(Kind.UNAVAILABLE, self.uri(), "refused");
            });
    FakeEndpoint b =
        new FakeEndpoint(
            "http://b:5000",
            (self, deadline) -> {
              nanos.addAndGet(Duration.ofMillis(10).toNanos());
              return VALID;
            });
    EndpointPool pool = pool(a, b);

    pool.validate(TOKEN);
    pool.validate(TOKEN);

    EndpointMember first = pool.members().get(0);
    EndpointMember second = pool.members().get(1);
    assertEquals(2, first.failures());
    assertEquals(2, first.failovers());
    assertEquals(0, first.answers());
    assertEquals(2, first.calls());
    assertEquals(Duration.ofMillis(60).toNanos(), first.callNanos());
    assertEquals(Duration.ofMillis(30).toNanos(), first.maxCallNanos());
    assertEquals(2, second.valid());
    assertEquals(0, second.invalid());
    assertEquals(0, second.failures());
    assertEquals(0, second.failovers());
    assertEquals(Duration.ofMillis(20).toNanos(), second.callNanos());
  }

  @Test
  void validateWhenPrimaryBreakerOpenThenSkipsAndFailoversCountedButNoCall() {
    FakeEndpoint a = failing("http://a:5000", Kind.UNAVAILABLE, "refused");
    FakeEndpoint b = answering("http://b:5000", INVALID);
    EndpointPool pool = pool(false, 1, a, b);
    pool.validate(TOKEN); // opens a's breaker

    pool.validate(TOKEN);
    pool.validate(TOKEN);

    EndpointMember first = pool.members().get(0);
    assertEquals(StateName.OPEN, first.breaker().state().name());
    assertEquals(1, first.breaker().timesOpened());
    assertEquals(1, first.calls());
    assertEquals(2, first.skipped());
    assertEquals(3, first.failovers());
    assertEquals(3, pool.members().get(1).invalid());
  }

  @Test
  void validateWhenLastEndpointFailsOrDeadlinePassedThenNoFailoverCounted() {
    FakeEndpoint a = hanging("http://a:5000", DEADLINE.plusSeconds(1));
    FakeEndpoint b = failing("http://b:5000", Kind.UNAVAILABLE, "refused");
    EndpointPool pool = pool(a, b);
    assertThrows(KeystoneUnavailableException.class, () -> pool.validate(TOKEN));

    EndpointPool single = pool(failing("http://c:5000", Kind.UNAVAILABLE, "refused"));
    assertThrows(KeystoneUnavailableException.class, () -> single.validate(TOKEN));

    assertEquals(1, pool.members().get(0).failures());
    assertEquals(0, pool.members().get(0).failovers(), "nothing was tried after it");
    assertEquals(0, pool.members().get(1).calls());
    assertEquals(1, single.members().get(0).failures());
    assertEquals(0, single.members().get(0).failovers());
  }

  @Test
  void validateWhenEndpointCrashesThenCountedAsFailure() {
    EndpointPool pool = pool(crashing("http://a:5000"), answering("http://b:5000", VALID));

    pool.validate(TOKEN);

    assertEquals(1, pool.members().get(0).failures());
    assertEquals(1, pool.members().get(0).failovers());
  }

  @Test
  void validateWhenProbeDiesOfAnErrorThenBreakerReopensAndTheErrorGoesOn() {
    FakeEndpoint a = crashing("http://a:5000");
    FakeEndpoint b = answering("http://b:5000", VALID);
    EndpointPool pool = pool(false, 1, a, b);
    pool.validate(TOKEN); // opens a for 5 s
    clock.advance(BASE_OPEN);
    FakeEndpoint dying =
        new FakeEndpoint(
            "http://a:5000",
            (self, deadline) -> {
              throw new StackOverflowError("deep in a library");
            });
    EndpointPool withDying =
        new EndpointPool(
            List.of(
                new EndpointMember(dying, breakerOf(pool, 0)),
                new EndpointMember(b, breakerOf(pool, 1))),
            DEADLINE,
            false,
            clock,
            nanos::get);

    StackOverflowError error =
        assertThrows(StackOverflowError.class, () -> withDying.validate(TOKEN));

    assertEquals("deep in a library", error.getMessage());
    CircuitBreaker breaker = breakerOf(withDying, 0);
    assertEquals(StateName.OPEN, breaker.state().name(), "the probe's failure was reported");
    assertEquals(clock.instant().plus(BASE_OPEN.multipliedBy(2)), breaker.nextAttemptAt());
    assertEquals(1, withDying.members().get(0).failures());
  }
}
