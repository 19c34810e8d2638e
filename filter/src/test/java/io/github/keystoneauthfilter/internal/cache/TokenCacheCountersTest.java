package io.github.keystoneauthfilter.internal.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.TokenKey;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import io.github.keystoneauthfilter.testing.Identities;
import io.github.keystoneauthfilter.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The cache's counters for metrics: hits, invalid hits, misses, joins, evictions, expirations. */
class TokenCacheCountersTest {
  private static final Instant START = Instant.parse("2026-11-28T12:00:00Z");
  private static final Duration TTL = Duration.ofSeconds(300);
  private static final TokenKey BAD_KEY = AuthToken.of("bad").cacheKey();

  private final MutableClock clock = new MutableClock(START);
  private final AtomicInteger calls = new AtomicInteger();

  private TokenValidation.Valid valid() {
    return new TokenValidation.Valid(
        Identities.user("u-1")
            .name("alice")
            .userDomain("default", "Default")
            .project("p-1", "demo", "default", "Default")
            .roles("member")
            .expiresAt(clock.instant().plus(Duration.ofHours(1)))
            .build());
  }

  /** Invalid for the token "bad", valid for any other; counts its calls. */
  private final TokenValidator keystone =
      token -> {
        calls.incrementAndGet();
        return token.cacheKey().equals(BAD_KEY) ? new TokenValidation.Invalid("404") : valid();
      };

  @Test
  void validateWhenMissThenHitsThenCountersAndSizeMove() {
    TokenCache cache = new TokenCache(keystone, TTL, 100, Duration.ofSeconds(5), 100, clock);

    cache.validate(AuthToken.of("good-1"));
    cache.validate(AuthToken.of("good-1"));
    cache.validate(AuthToken.of("good-1"));

    assertEquals(1, calls.get());
    assertEquals(1, cache.misses());
    assertEquals(2, cache.hits());
    assertEquals(0, cache.invalidHits());
    assertEquals(0, cache.joins());
    assertEquals(1, cache.estimatedSize());
  }

  @Test
  void validateWhenInvalidAnswerCachedThenInvalidHitCountedNotHit() {
    TokenCache cache = new TokenCache(keystone, TTL, 100, Duration.ofSeconds(5), 100, clock);

    cache.validate(AuthToken.of("bad"));
    TokenValidation again = cache.validate(AuthToken.of("bad"));

    assertInstanceOf(TokenValidation.Invalid.class, again);
    assertEquals(1, calls.get());
    assertEquals(1, cache.misses());
    assertEquals(1, cache.invalidHits());
    assertEquals(0, cache.hits());
    assertEquals(1, cache.invalidSize());
    assertEquals(0, cache.estimatedSize());
  }

  @Test
  void validateWhenMoreTokensThanMaxEntriesThenEvictionsCounted() {
    TokenCache cache = new TokenCache(keystone, TTL, 2, clock);

    for (int i = 0; i < 5; i++) {
      cache.validate(AuthToken.of("good-" + i));
    }

    assertEquals(2, cache.estimatedSize());
    assertEquals(3, cache.evictions());
    assertEquals(0, cache.expirations());
    assertEquals(5, cache.misses());
  }

  @Test
  void estimatedSizeWhenTtlPassedThenExpirationsCountedNotEvictions() {
    TokenCache cache = new TokenCache(keystone, TTL, 100, clock);
    cache.validate(AuthToken.of("good-1"));
    cache.validate(AuthToken.of("good-2"));

    clock.advance(TTL.plusSeconds(1));

    assertEquals(0, cache.estimatedSize());
    assertEquals(2, cache.expirations());
    assertEquals(0, cache.evictions());
  }

  @Test
  void validateWhenSameTokenInFlightThenSecondRequestJoins() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TokenValidator slow =
        token -> {
          calls.incrementAndGet();
          entered.countDown();
          try {
            if (!release.await(10, TimeUnit.SECONDS)) {
              throw new IllegalStateException("never released");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return valid();
        };
    TokenCache cache = new TokenCache(slow, TTL, 100, clock);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<TokenValidation> first = threads.submit(() -> cache.validate(AuthToken.of("good")));
      assertTrue(entered.await(10, TimeUnit.SECONDS));
      Future<TokenValidation> second = threads.submit(() -> cache.validate(AuthToken.of("good")));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (cache.joins() == 0 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      release.countDown();

      assertInstanceOf(TokenValidation.Valid.class, first.get(10, TimeUnit.SECONDS));
      assertInstanceOf(TokenValidation.Valid.class, second.get(10, TimeUnit.SECONDS));
    } finally {
      release.countDown();
      threads.shutdownNow();
    }

    assertEquals(1, calls.get());
    assertEquals(1, cache.joins());
    assertEquals(2, cache.misses());
    assertEquals(0, cache.hits());
  }
}
