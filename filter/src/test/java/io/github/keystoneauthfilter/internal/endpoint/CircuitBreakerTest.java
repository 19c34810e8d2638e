package io.github.keystoneauthfilter.internal.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.internal.endpoint.CircuitBreaker.State;
import io.github.keystoneauthfilter.internal.endpoint.CircuitBreaker.StateName;
import io.github.keystoneauthfilter.testing.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
  private static final URI ENDPOINT = URI.create("http://keystone-a:5000");
  private static final Instant START = Instant.parse("2026-11-28T12:00:00Z");
  private static final Duration BASE_OPEN = Duration.ofSeconds(5);
  private static final Duration MAX_OPEN = Duration.ofSeconds(60);
  private static final DoubleSupplier NO_JITTER = () -> 0.0;

  private final MutableClock clock = new MutableClock(START);

  private CircuitBreaker breaker(int threshold) {
    return breaker(threshold, NO_JITTER);
  }

  private CircuitBreaker breaker(int threshold, DoubleSupplier jitter) {
    return new CircuitBreaker(ENDPOINT, threshold, BASE_OPEN, MAX_OPEN, clock, jitter);
  }

  private static void fail(CircuitBreaker breaker, int times) {
    for (int i = 0; i < times; i++) {
      breaker.onFailure("connection refused");
    }
  }

  /** Lets the open duration pass and takes the probe, which then fails. */
  private void probeFails(CircuitBreaker breaker) {
    Instant until = breaker.state().openUntil();
    clock.advance(Duration.between(clock.instant(), until));
    assertTrue(breaker.tryAcquirePermission(), "probe permission");
    breaker.onFailure("still down");
  }

  private Duration openFor(CircuitBreaker breaker) {
    return Duration.between(clock.instant(), breaker.state().openUntil());
  }

  @Test
  void constructorWhenThresholdZeroThenFailsNamingValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> breaker(0));

    assertEquals("failureThreshold must be at least 1 but was 0", e.getMessage());
  }

  @Test
  void stateWhenNewThenClosedAndPermits() {
    CircuitBreaker breaker = breaker(3);

    assertEquals(new State(StateName.CLOSED, 0, 0, null), breaker.state());
    assertTrue(breaker.tryAcquirePermission());
    assertEquals(ENDPOINT, breaker.endpoint());
  }

  @Test
  void onFailureWhenBelowThresholdThenStaysClosedCounting() {
    CircuitBreaker breaker = breaker(3);

    fail(breaker, 2);

    assertEquals(new State(StateName.CLOSED, 2, 0, null), breaker.state());
    assertTrue(breaker.tryAcquirePermission());
  }

  @Test
  void onFailureWhenThresholdReachedThenOpensForBaseDuration() {
    CircuitBreaker breaker = breaker(3);

    fail(breaker, 3);

    assertEquals(new State(StateName.OPEN, 0, 1, START.plus(BASE_OPEN)), breaker.state());
    assertFalse(breaker.tryAcquirePermission());
  }

  @Test
  void timesOpenedWhenOpenedThenProbeFailsThenClosedThenCountsEveryOpeningAndKeepsIt() {
    CircuitBreaker breaker = breaker(2);
    fail(breaker, 1);
    assertEquals(0, breaker.timesOpened());

    fail(breaker, 1);
    assertEquals(1, breaker.timesOpened());
    breaker.onFailure("a late failure while open");
    assertEquals(1, breaker.timesOpened(), "a failure while already OPEN is no new opening");
    probeFails(breaker);
    assertEquals(2, breaker.timesOpened());
    clock.advance(Duration.ofMinutes(5));
    assertTrue(breaker.tryAcquirePermission());
    breaker.onSuccess();

    assertEquals(StateName.CLOSED, breaker.state().name());
    assertEquals(0, breaker.state().openings(), "openings in a row reset");
    assertEquals(2, breaker.timesOpened(), "the total since start does not");
  }

  @Test
  void onSuccessWhenFailuresCountedThenCountReset() {
    CircuitBreaker breaker = breaker(3);
    fail(breaker, 2);

    breaker.onSuccess();
    fail(breaker, 2);

    assertEquals(new State(StateName.CLOSED, 2, 0, null), breaker.state());
  }

  @Test
  void tryAcquirePermissionWhenOpenDurationNotPassedThenRefused() {
    CircuitBreaker breaker = breaker(1);
    fail(breaker, 1);

    clock.advance(BASE_OPEN.minusMillis(1));

    assertFalse(breaker.tryAcquirePermission());
    assertEquals(StateName.OPEN, breaker.state().name());
  }

  @Test
  void tryAcquirePermissionWhenOpenDurationPassedThenOneProbeOthersRefused() {
    CircuitBreaker breaker = breaker(1);
    fail(breaker, 1);
    clock.advance(BASE_OPEN);

    assertTrue(breaker.tryAcquirePermission());
    assertEquals(
        new State(
            StateName.HALF_OPEN,
            0,
            1,
            null,
            clock.instant().plus(CircuitBreaker.DEFAULT_PROBE_LIMIT)),
        breaker.state());
    assertFalse(breaker.tryAcquirePermission());
    assertFalse(breaker.tryAcquirePermission());
  }

  @Test
  void tryAcquirePermissionWhenEightThreadsRaceAfterOpeningThenExactlyOneProbe() throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 200; round++) {
        CircuitBreaker breaker = breaker(1);
        fail(breaker, 1);
        clock.advance(BASE_OPEN);
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<Boolean>> permits = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          permits.add(
              pool.submit(
                  () -> {
                    start.await(10, TimeUnit.SECONDS);
                    return breaker.tryAcquirePermission();
                  }));
        }
        int granted = 0;
        for (Future<Boolean> permit : permits) {
          if (permit.get(10, TimeUnit.SECONDS)) {
            granted++;
          }
        }
        assertEquals(1, granted, "round " + round);
        assertEquals(StateName.HALF_OPEN, breaker.state().name());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void onFailureWhenManyThreadsFailTogetherThenEveryFailureCounted() throws Exception {
    CircuitBreaker breaker = breaker(1_000);
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  fail(breaker, 100);
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> future : done) {
        future.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertEquals(new State(StateName.CLOSED, 800, 0, null), breaker.state());
  }

  @Test
  void onSuccessWhenProbeSucceedsThenClosedAndOpeningsReset() {
    CircuitBreaker breaker = breaker(1);
    fail(breaker, 1);
    probeFails(breaker); // second opening in a row
    clock.advance(openFor(breaker));
    assertTrue(breaker.tryAcquirePermission());

    breaker.onSuccess();

    assertEquals(new State(StateName.CLOSED, 0, 0, null), breaker.state());
    assertTrue(breaker.tryAcquirePermission());
    fail(breaker, 1);
    assertEquals(BASE_OPEN, openFor(breaker), "a new outage starts again at the base duration");
  }

  @Test
  void onFailureWhenProbeFailsThenReopensForTwiceAsLong() {
    CircuitBreaker breaker = breaker(3);
    fail(breaker, 3);

    probeFails(breaker);

    assertEquals(StateName.OPEN, breaker.state().name());
    assertEquals(2, breaker.state().openings());
    assertEquals(BASE_OPEN.multipliedBy(2), openFor(breaker));
    assertFalse(breaker.tryAcquirePermission());
  }

  @Test
  void onFailureWhenProbesKeepFailingThenDoublesUpToMax() {
    CircuitBreaker breaker = breaker(1);
    fail(breaker, 1);
    List<Duration> openings = new ArrayList<>();
    openings.add(openFor(breaker));

    for (int i = 0; i < 6; i++) {
      probeFails(breaker);
      openings.add(openFor(breaker));
    }

    assertEquals(
        List.of(5L, 10L, 20L, 40L, 60L, 60L, 60L),
        openings.stream().map(Duration::toSeconds).toList());
    assertEquals(7, breaker.state().openings());
  }

  @Test
  void onFailureWhenJitterNearOneThenAboutTwentyPercentShorter() {
    CircuitBreaker breaker = breaker(1, () -> 0.999);

    fail(breaker, 1);

    // 5 s less 0.2 * 0.999 of it.
    assertEquals(Duration.ofNanos(4_001_000_000L), openFor(breaker));
  }

  @Test
  void onFailureWhenJitterNearOneAtCapThenAboutTwentyPercentShorterThanMax() {
    CircuitBreaker breaker = breaker(1, () -> 0.999);
    fail(breaker, 1);

    for (int i = 0; i < 6; i++) {
      probeFails(breaker);
    }

    assertEquals(Duration.ofNanos(48_012_000_000L), openFor(breaker));
  }

  @Test
  void onFailureWhenAlreadyOpenThenOpeningUnchanged() {
    CircuitBreaker breaker = breaker(1);
    fail(breaker, 1);
    State open = breaker.state();
    clock.advance(Duration.ofSeconds(1));

    breaker.onFailure("a late answer from a call let through before the breaker opened");

    assertEquals(open, breaker.state());
  }

  @Test
  void onSuccessWhenOpenThenClosed() {
    CircuitBreaker breaker = breaker(1);
    fail(breaker, 1);

    breaker.onSuccess();

    assertEquals(new State(StateName.CLOSED, 0, 0, null), breaker.state());
  }

  @Test
  void nextAttemptAtWhenClosedThenNow() {
    CircuitBreaker breaker = breaker(3);
    fail(breaker, 2);

    assertEquals(START, breaker.nextAttemptAt());
  }

  @Test
  void nextAttemptAtWhenOpenThenEndOfOpening() {
    CircuitBreaker breaker = breaker(1);
    fail(breaker, 1);
    clock.advance(Duration.ofSeconds(2));

    assertEquals(START.plus(BASE_OPEN), breaker.nextAttemptAt());
  }

  @Test
  void nextAttemptAtWhenOpeningOverButNoProbeYetThenNow() {
    CircuitBreaker breaker = breaker(1);
    fail(breaker, 1);
    clock.advance(BASE_OPEN.plusSeconds(3));

    assertEquals(START.plus(BASE_OPEN).plusSeconds(3), breaker.nextAttemptAt());
  }

  @Test
  void nextAttemptAtWhenHalfOpenThenNow() {
    CircuitBreaker breaker = breaker(1);
    fail(breaker, 1);
    clock.advance(BASE_OPEN);
    assertTrue(breaker.tryAcquirePermission());

    assertNull(breaker.state().openUntil());
    assertEquals(clock.instant(), breaker.nextAttemptAt());
  }

  // ---------------------------------------------------------------- the probe's own time limit

  private static final Duration PROBE_LIMIT = Duration.ofSeconds(10);

  /** A breaker with threshold 1 and {@link #PROBE_LIMIT}, opened once and now half-open. */
  private CircuitBreaker halfOpenWithProbeLimit() {
    CircuitBreaker breaker =
        new CircuitBreaker(ENDPOINT, 1, BASE_OPEN, MAX_OPEN, PROBE_LIMIT, clock, NO_JITTER);
    fail(breaker, 1);
    clock.advance(BASE_OPEN);
    assertTrue(breaker.tryAcquirePermission(), "probe permission");
    return breaker;
  }

  @Test
  void constructorWhenProbeLimitNotPositiveThenFailsNamingValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new CircuitBreaker(
                    ENDPOINT, 1, BASE_OPEN, MAX_OPEN, Duration.ZERO, clock, NO_JITTER));

    assertEquals("probeLimit must be positive but was PT0S", e.getMessage());
  }

  @Test
  void tryAcquirePermissionWhenProbeWithinItsLimitThenStillHalfOpenAndOthersRefused() {
    CircuitBreaker breaker = halfOpenWithProbeLimit();
    clock.advance(PROBE_LIMIT.minusMillis(1));

    assertFalse(breaker.tryAcquirePermission());
    assertEquals(StateName.HALF_OPEN, breaker.state().name());
    assertEquals(1, breaker.timesOpened());
  }

  @Test
  void tryAcquirePermissionWhenProbeSilentPastItsLimitThenCountedAsFailedAndReopensLonger() {
    CircuitBreaker breaker = halfOpenWithProbeLimit();
    clock.advance(PROBE_LIMIT);

    assertFalse(breaker.tryAcquirePermission());
    assertEquals(
        new State(StateName.OPEN, 0, 2, clock.instant().plus(BASE_OPEN.multipliedBy(2))),
        breaker.state());
    assertEquals(2, breaker.timesOpened());
    // After the (longer) opening, a new probe goes through: the breaker was not stuck.
    clock.advance(BASE_OPEN.multipliedBy(2));
    assertTrue(breaker.tryAcquirePermission());
    breaker.onSuccess();
    assertEquals(StateName.CLOSED, breaker.state().name());
  }

  @Test
  void stateWhenProbeSilentPastItsLimitThenReportsOpenWithoutBeingAsked() {
    CircuitBreaker breaker = halfOpenWithProbeLimit();
    clock.advance(PROBE_LIMIT.plusSeconds(1));

    assertEquals(StateName.OPEN, breaker.state().name());
    assertEquals(clock.instant().plus(BASE_OPEN.multipliedBy(2)), breaker.nextAttemptAt());
  }

  @Test
  void onFailureWhenLostProbeReportsLateThenOpeningUnchanged() {
    CircuitBreaker breaker = halfOpenWithProbeLimit();
    clock.advance(PROBE_LIMIT);
    State reopened = breaker.state();

    breaker.onFailure("the lost probe's late report");

    assertEquals(reopened, breaker.state());
    assertEquals(2, breaker.timesOpened());
  }
}
