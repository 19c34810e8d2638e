package io.github.keystoneauthfilter.internal.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.KeystoneUnavailableException;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The limit on validations in flight: over it, a fast failure instead of a queue. */
class BulkheadTest {

  @Test
  void validateWhenLimitReachedThenFailsAtOnceWithRetryAfterAndRecoversAfterwards()
      throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(2);
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    Bulkhead bulkhead =
        new Bulkhead(
            token -> {
              maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
              entered.countDown();
              try {
                release.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              inFlight.decrementAndGet();
              return new TokenValidation.Invalid("404");
            },
            2);
    List<Thread> holders = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Thread holder = new Thread(() -> bulkhead.validate(AuthToken.of("held")));
      holder.setDaemon(true);
      holder.start();
      holders.add(holder);
    }
    KeystoneUnavailableException refused;
    Duration waited;
    int inFlightAtRefusal;
    try {
      assertTrue(entered.await(10, TimeUnit.SECONDS), "the holders never got their permits");
      long start = System.nanoTime();
      refused =
          assertThrows(
              KeystoneUnavailableException.class, () -> bulkhead.validate(AuthToken.of("extra")));
      waited = Duration.ofNanos(System.nanoTime() - start);
      inFlightAtRefusal = inFlight.get();
    } finally {
      release.countDown();
    }

    // "At once": refused while both permits are still held (they are held for up to 60 s), and
    // well within a second; a bulkhead that queued the call for a while before giving up would
    // take longer.
    assertEquals(2, inFlightAtRefusal, "refused only after a holder let go");
    assertTrue(
        waited.compareTo(Duration.ofSeconds(1)) < 0,
        "the refusal waited " + waited.toMillis() + " ms");
    assertEquals(Duration.ofSeconds(1), refused.retryAfter());
    assertEquals(1, bulkhead.refused());
    for (Thread holder : holders) {
      holder.join(10_000);
    }
    assertInstanceOf(TokenValidation.Invalid.class, bulkhead.validate(AuthToken.of("later")));
    assertEquals(2, maxInFlight.get());
  }

  @Test
  void validateWhenDelegateThrowsThenThePermitIsReturned() {
    Bulkhead bulkhead =
        new Bulkhead(
            token -> {
              throw new KeystoneUnavailableException("down", null);
            },
            1);

    for (int i = 0; i < 3; i++) {
      assertThrows(KeystoneUnavailableException.class, () -> bulkhead.validate(AuthToken.of("t")));
    }

    assertEquals(0, bulkhead.refused());
  }

  @Test
  void constructorWhenLimitBelowOneThenFailsNamingTheValue() {
    IllegalArgumentException failure =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Bulkhead(token -> new TokenValidation.Invalid("x"), 0));

    assertEquals("limit must be at least 1 but was 0", failure.getMessage());
  }
}
