package io.github.keystoneauthfilter.internal.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.KeystoneUnavailableException;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import io.github.keystoneauthfilter.testing.Identities;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Requests waiting for another's validation of the same token wait no longer than the deadline. */
class TokenCacheWaitLimitTest {
  private static final AuthToken TOKEN = AuthToken.of("gAAAAABslow-token");
  private static final Duration WAIT_LIMIT = Duration.ofMillis(300);
  private static final Duration GENEROUS = Duration.ofSeconds(20);

  private static TokenValidation.Valid valid() {
    return new TokenValidation.Valid(
        Identities.user("u-1")
            .adminProject(false)
            .expiresAt(Instant.now().plus(Duration.ofHours(1)))
            .build());
  }

  @Test
  void aWaiter_givesUpAfterTheWaitLimit_asKeystoneUnavailable_andTheFirstRequestIsUnaffected()
      throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    TokenValidator stuck =
        token -> {
          calls.incrementAndGet();
          entered.countDown();
          try {
            if (!release.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS)) {
              throw new AssertionError("never released");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
          return valid();
        };
    TokenCache cache =
        new TokenCache(
            stuck, Duration.ofSeconds(300), 100, Duration.ZERO, 1, WAIT_LIMIT, Clock.systemUTC());
    AtomicReference<Object> first = new AtomicReference<>();
    Thread loader =
        new Thread(
            () -> {
              try {
                first.set(cache.validate(TOKEN));
              } catch (RuntimeException e) {
                first.set(e);
              }
            },
            "loader");
    loader.start();
    try {
      assertTrue(entered.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS));

      long started = System.nanoTime();
      KeystoneUnavailableException e =
          assertTimeoutPreemptively(
              GENEROUS.dividedBy(2),
              () -> assertThrows(KeystoneUnavailableException.class, () -> cache.validate(TOKEN)));
      Duration waited = Duration.ofNanos(System.nanoTime() - started);

      assertTrue(waited.compareTo(WAIT_LIMIT) >= 0, "gave up early, after " + waited);
      assertEquals(Duration.ofSeconds(1), e.retryAfter());
      assertTrue(e.getMessage().contains("failover_deadline"), e.getMessage());
      assertFalse(e.getMessage().contains(TOKEN.value()));
      assertEquals(1, cache.joins(), "it did wait for the validation in flight");
      assertEquals(1, calls.get(), "the waiter did not ask Keystone itself");
    } finally {
      release.countDown();
    }
    loader.join(GENEROUS.toMillis());
    assertFalse(loader.isAlive());
    assertInstanceOf(TokenValidation.Valid.class, first.get(), "the first request got its answer");
    assertInstanceOf(TokenValidation.Valid.class, cache.validate(TOKEN), "and it was cached");
    assertEquals(1, calls.get());
  }

  @Test
  void constructor_refusesAWaitLimitThatIsNotPositive() {
    TokenValidator never = token -> valid();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new TokenCache(
                    never,
                    Duration.ofSeconds(1),
                    1,
                    Duration.ZERO,
                    1,
                    Duration.ZERO,
                    Clock.systemUTC()));
    assertTrue(e.getMessage().contains("PT0S"), e.getMessage());
  }
}
