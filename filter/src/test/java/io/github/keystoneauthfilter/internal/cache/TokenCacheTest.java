package io.github.keystoneauthfilter.internal.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.KeystoneUnavailableException;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import io.github.keystoneauthfilter.testing.Identities;
import io.github.keystoneauthfilter.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class TokenCacheTest {
  private static final Instant START = Instant.parse("2026-11-28T12:00:00Z");
  private static final Duration TTL = Duration.ofSeconds(300);
  private static final AuthToken TOKEN = AuthToken.of("gAAAAABn-user-token");
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final MutableClock clock = new MutableClock(START);

  /** A delegate that counts its calls and answers with {@code behaviour}. */
  private static final class CountingValidator implements TokenValidator {
    private final AtomicInteger calls = new AtomicInteger();
    private volatile Function<AuthToken, TokenValidation> behaviour;

    CountingValidator(Function<AuthToken, TokenValidation> behaviour) {
      this.behaviour = behaviour;
    }

    @Override
    public TokenValidation validate(AuthToken token) {
      calls.incrementAndGet();
      return behaviour.apply(token);
    }

    int calls() {
      return calls.get();
    }
  }

  private static TokenValidation.Valid validUntil(Instant expiresAt) {
    return new TokenValidation.Valid(
        Identities.user("u-1")
            .name("alice")
            .userDomain("default", "Default")
            .project("p-1", "demo", "default", "Default")
            .roles("member")
            .expiresAt(expiresAt)
            .build());
  }

  /** A delegate whose every answer is a fresh identity expiring {@code life} after now. */
  private CountingValidator validFor(Duration life) {
    return new CountingValidator(token -> validUntil(clock.instant().plus(life)));
  }

  private static AuthToken token(int i) {
    return AuthToken.of("token-" + i);
  }

  /** Blocks until {@code count} of {@code threads} are parked waiting on a shared answer. */
  private static void awaitWaitingOnSharedAnswer(List<Thread> threads, int count) {
    long end = System.nanoTime() + WAIT.toNanos();
    while (waitingOnSharedAnswer(threads) < count) {
      if (System.nanoTime() - end > 0) {
        throw new AssertionError(
            "only " + waitingOnSharedAnswer(threads) + " of " + count + " threads are waiting");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  private static int waitingOnSharedAnswer(List<Thread> threads) {
    int waiting = 0;
    for (Thread thread : threads) {
      Thread.State state = thread.getState();
      if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
        continue;
      }
      for (StackTraceElement frame : thread.getStackTrace()) {
        if (frame.getClassName().equals("java.util.concurrent.CompletableFuture")
            && (frame.getMethodName().equals("join") || frame.getMethodName().equals("get"))) {
          waiting++;
          break;
        }
      }
    }
    return waiting;
  }

  private static void joinAll(List<Thread> threads) throws InterruptedException {
    for (Thread thread : threads) {
      thread.join(WAIT.toMillis());
      assertFalse(thread.isAlive(), thread.getName() + " still running");
    }
  }

  @Test
  void validateWhenSameTokenTwiceThenDelegateAskedOnce() {
    CountingValidator delegate = validFor(Duration.ofHours(1));
    TokenCache cache = new TokenCache(delegate, TTL, 100, clock);

    TokenValidation first = cache.validate(TOKEN);
    TokenValidation second = cache.validate(AuthToken.of("  gAAAAABn-user-token\r\n"));

    assertEquals(1, delegate.calls());
    assertSame(first, second);
  }

  @Test
  void validateWhenDifferentTokensThenEachAsked() {
    CountingValidator delegate = validFor(Duration.ofHours(1));
    TokenCache cache = new TokenCache(delegate, TTL, 100, clock);

    cache.validate(token(1));
    cache.validate(token(2));
    cache.validate(token(1));

    assertEquals(2, delegate.calls());
  }

  @Test
  void validateWhenTokenExpiresBeforeTtlThenEntryLivesUntilExpiry() {
    CountingValidator delegate = validFor(Duration.ofSeconds(60));
    TokenCache cache = new TokenCache(delegate, TTL, 100, clock);
    cache.validate(TOKEN);

    clock.advance(Duration.ofSeconds(59));
    cache.validate(TOKEN);
    assertEquals(1, delegate.calls());
    clock.advance(Duration.ofSeconds(2));
    TokenValidation answer = cache.validate(TOKEN);

    assertEquals(2, delegate.calls());
    assertInstanceOf(TokenValidation.Valid.class, answer);
  }

  @Test
  void validateWhenTtlShorterThanTokenLifeThenEntryLivesTtl() {
    CountingValidator delegate = validFor(Duration.ofHours(1));
    TokenCache cache = new TokenCache(delegate, Duration.ofSeconds(30), 100, clock);
    cache.validate(TOKEN);

    clock.advance(Duration.ofSeconds(29));
    cache.validate(TOKEN);
    assertEquals(1, delegate.calls());
    clock.advance(Duration.ofSeconds(2));
    cache.validate(TOKEN);

    assertEquals(2, delegate.calls());
  }

  @Test
  void validateWhenCachedTokenReachesExpiryThenExpiredIdentityNeverServed() {
    Instant expiresAt = START.plusSeconds(60);
    CountingValidator delegate = new CountingValidator(token -> validUntil(expiresAt));
    TokenCache cache = new TokenCache(delegate, TTL, 100, clock);
    cache.validate(TOKEN);

    clock.advance(Duration.ofSeconds(60));
    TokenValidation answer = cache.validate(TOKEN);

    assertInstanceOf(TokenValidation.Invalid.class, answer);
  }

  @Test
  void validateWhenDelegateAnswersAlreadyExpiredIdentityThenInvalidAndNotKept() {
    CountingValidator delegate =
        new CountingValidator(token -> validUntil(clock.instant().minusSeconds(1)));
    TokenCache cache = new TokenCache(delegate, TTL, 100, clock);

    TokenValidation first = cache.validate(TOKEN);
    cache.validate(TOKEN);

    assertEquals(new TokenValidation.Invalid("token expired"), first);
    assertEquals(2, delegate.calls());
  }

  @Test
  void validateWhenTokenExpiresWhileWaitingForSharedAnswerThenWaiterGetsInvalid() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Instant expiresAt = START.plusSeconds(60);
    CountingValidator delegate =
        new CountingValidator(
            token -> {
              entered.countDown();
              awaitRelease(release);
              return validUntil(expiresAt);
            });
    TokenCache cache = new TokenCache(delegate, TTL, 100, clock);
    AtomicReferenceArray<TokenValidation> answers = new AtomicReferenceArray<>(2);
    Thread loader = new Thread(() -> answers.set(0, cache.validate(TOKEN)), "loader");
    loader.start();
    assertTrue(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    Thread waiter = new Thread(() -> answers.set(1, cache.validate(TOKEN)), "waiter");
    waiter.start();
    awaitWaitingOnSharedAnswer(List.of(waiter), 1);

    clock.advance(Duration.ofSeconds(61));
    release.countDown();
    joinAll(List.of(loader, waiter));

    assertEquals(1, delegate.calls());
    assertEquals(new TokenValidation.Invalid("token expired"), answers.get(0));
    assertEquals(new TokenValidation.Invalid("token expired"), answers.get(1));
  }

  @Test
  void validateWhenInvalidThenNotCached() {
    CountingValidator delegate =
        new CountingValidator(token -> new TokenValidation.Invalid("404 from Keystone"));
    TokenCache cache = new TokenCache(delegate, TTL, 100, clock);

    TokenValidation first = cache.validate(TOKEN);
    TokenValidation second = cache.validate(TOKEN);

    assertEquals(new TokenValidation.Invalid("404 from Keystone"), first);
    assertEquals(first, second);
    assertEquals(2, delegate.calls());
  }

  @Test
  void validateWhenKeystoneUnavailableThenPropagatesAndNotCached() {
    CountingValidator delegate =
        new CountingValidator(
            token -> {
              throw new KeystoneUnavailableException(
                  "no Keystone endpoint could validate the token: http://a:5000: refused",
                  Duration.ofSeconds(4));
            });
    TokenCache cache = new TokenCache(delegate, TTL, 100, clock);

    KeystoneUnavailableException first =
        assertThrows(KeystoneUnavailableException.class, () -> cache.validate(TOKEN));
    assertThrows(KeystoneUnavailableException.class, () -> cache.validate(TOKEN));

    assertEquals(
        "no Keystone endpoint could validate the token: http://a:5000: refused",
        first.getMessage());
    assertEquals(Duration.ofSeconds(4), first.retryAfter());
    assertEquals(2, delegate.calls());
  }

  @Test
  void validateWhenUnavailableThenRecoveredThenNextCallValid() {
    CountingValidator delegate =
        new CountingValidator(
            token -> {
              throw new KeystoneUnavailableException("down", null);
            });
    TokenCache cache = new TokenCache(delegate, TTL, 100, clock);
    assertThrows(KeystoneUnavailableException.class, () -> cache.validate(TOKEN));
    delegate.behaviour = token -> validUntil(clock.instant().plusSeconds(3600));

    TokenValidation answer = cache.validate(TOKEN);

    assertInstanceOf(TokenValidation.Valid.class, answer);
    assertEquals(2, delegate.calls());
  }

  @Test
  void validateWhenDelegateThrowsRuntimeExceptionThenUnavailableAndNotCached() {
    CountingValidator delegate =
        new CountingValidator(
            token -> {
              throw new IllegalStateException("bug");
            });
    TokenCache cache = new TokenCache(delegate, TTL, 100, clock);

    assertThrows(KeystoneUnavailableException.class, () -> cache.validate(TOKEN));
    assertThrows(KeystoneUnavailableException.class, () -> cache.validate(TOKEN));

    assertEquals(2, delegate.calls());
  }

  @Test
  void validateWhenDelegateThrowsErrorThenLaterCallsAskAgainInsteadOfHanging() throws Exception {
    CountingValidator delegate =
        new CountingValidator(
            token -> {
              throw new AssertionError("unexpected state in a dependency");
            });
    TokenCache cache = new TokenCache(delegate, TTL, 100, clock);
    assertThrows(AssertionError.class, () -> cache.validate(TOKEN));
    delegate.behaviour = token -> validUntil(clock.instant().plusSeconds(3600));
    AtomicReferenceArray<TokenValidation> answer = new AtomicReferenceArray<>(1);
    Thread later = new Thread(() -> answer.set(0, cache.validate(TOKEN)), "later request");
    later.setDaemon(true); // if it hangs, it must not keep the test JVM alive

    later.start();
    later.join(WAIT.toMillis());

    assertFalse(later.isAlive(), "a later request with the same token hangs forever");
    assertInstanceOf(TokenValidation.Valid.class, answer.get(0));
    assertEquals(2, delegate.calls());
  }

  @Test
  void validateWhenTtlZeroThenNothingCached() {
    CountingValidator delegate = validFor(Duration.ofHours(1));
    TokenCache cache = new TokenCache(delegate, Duration.ZERO, 100, clock);

    cache.validate(TOKEN);
    cache.validate(TOKEN);
    cache.validate(TOKEN);

    assertEquals(3, delegate.calls());
  }

  @Test
  void constructorWhenTtlBeyondNanosecondRangeThenCachesUntilTokenExpiry() {
    // token_cache_time accepts up to 18 digits of seconds; 10^10 s no longer fits in a long of ns.
    CountingValidator delegate = validFor(Duration.ofHours(1));
    TokenCache cache = new TokenCache(delegate, Duration.ofSeconds(10_000_000_000L), 100, clock);

    cache.validate(TOKEN);
    clock.advance(Duration.ofMinutes(59));
    cache.validate(TOKEN);
    clock.advance(Duration.ofMinutes(2));
    cache.validate(TOKEN);

    assertEquals(2, delegate.calls());
  }

  @Test
  void validateWhenFiftyThreadsShareTokenThenDelegateAskedOnceAndAllGetSameAnswer()
      throws Exception {
    int threads = 50;
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TokenValidation valid = validUntil(START.plusSeconds(3600));
    CountingValidator delegate =
        new CountingValidator(
            token -> {
              entered.countDown();
              awaitRelease(release);
              return valid;
            });
    TokenCache cache = new TokenCache(delegate, TTL, 100, clock);
    AtomicReferenceArray<Object> answers = new AtomicReferenceArray<>(threads);
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int slot = i;
      workers.add(
          new Thread(
              () -> {
                try {
                  answers.set(slot, cache.validate(AuthToken.of(TOKEN.value())));
                } catch (RuntimeException e) {
                  answers.set(slot, e);
                }
              },
              "request-" + i));
    }
    workers.forEach(Thread::start);
    assertTrue(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    awaitWaitingOnSharedAnswer(workers, threads - 1);

    release.countDown();
    joinAll(workers);

    assertEquals(1, delegate.calls());
    for (int i = 0; i < threads; i++) {
      assertSame(valid, answers.get(i), "request " + i);
    }
  }

  @Test
  void validateWhenTtlZeroThenRequestsInFlightStillShared() throws Exception {
    int threads = 5;
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TokenValidation valid = validUntil(START.plusSeconds(3600));
    CountingValidator delegate =
        new CountingValidator(
            token -> {
              entered.countDown();
              awaitRelease(release);
              return valid;
            });
    TokenCache cache = new TokenCache(delegate, Duration.ZERO, 100, clock);
    AtomicReferenceArray<TokenValidation> answers = new AtomicReferenceArray<>(threads);
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int slot = i;
      workers.add(new Thread(() -> answers.set(slot, cache.validate(TOKEN)), "request-" + i));
    }
    workers.forEach(Thread::start);
    assertTrue(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    awaitWaitingOnSharedAnswer(workers, threads - 1);

    release.countDown();
    joinAll(workers);

    assertEquals(1, delegate.calls());
    for (int i = 0; i < threads; i++) {
      assertSame(valid, answers.get(i), "request " + i);
    }
    cache.validate(TOKEN);
    assertEquals(2, delegate.calls(), "nothing kept once the answer is out");
  }

  @Test
  void validateWhenSharedCallFailsThenAllWaitersUnavailableAndLaterCallAsksAgain()
      throws Exception {
    int threads = 50;
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountingValidator delegate =
        new CountingValidator(
            token -> {
              entered.countDown();
              awaitRelease(release);
              throw new KeystoneUnavailableException("all endpoints down", Duration.ofSeconds(7));
            });
    TokenCache cache = new TokenCache(delegate, TTL, 100, clock);
    AtomicReferenceArray<Object> outcomes = new AtomicReferenceArray<>(threads);
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int slot = i;
      workers.add(
          new Thread(
              () -> {
                try {
                  outcomes.set(slot, cache.validate(TOKEN));
                } catch (RuntimeException e) {
                  outcomes.set(slot, e);
                }
              },
              "request-" + i));
    }
    workers.forEach(Thread::start);
    assertTrue(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    awaitWaitingOnSharedAnswer(workers, threads - 1);

    release.countDown();
    joinAll(workers);

    assertEquals(1, delegate.calls());
    for (int i = 0; i < threads; i++) {
      KeystoneUnavailableException e =
          assertInstanceOf(KeystoneUnavailableException.class, outcomes.get(i), "request " + i);
      assertEquals("all endpoints down", e.getMessage());
      assertEquals(Duration.ofSeconds(7), e.retryAfter());
    }
    assertNotSame(outcomes.get(0), outcomes.get(1), "each request throws its own exception");
    delegate.behaviour = token -> validUntil(clock.instant().plusSeconds(3600));
    assertInstanceOf(TokenValidation.Valid.class, cache.validate(TOKEN));
    assertEquals(2, delegate.calls());
  }

  @Test
  void validateWhenManyTokensThenAtMostMaxEntriesKept() {
    CountingValidator delegate = validFor(Duration.ofHours(1));
    TokenCache cache = new TokenCache(delegate, TTL, 10, clock);

    for (int i = 0; i < 1_000; i++) {
      cache.validate(token(i));
    }
    cache.validate(token(0));

    assertTrue(cache.estimatedSize() <= 10, "size " + cache.estimatedSize());
    assertTrue(cache.estimatedSize() > 0, "size " + cache.estimatedSize());
  }

  /** Waits for the test to release the delegate; fails rather than hang. */
  private static void awaitRelease(CountDownLatch latch) {
    try {
      if (!latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("latch never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
