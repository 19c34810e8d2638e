package io.github.keystoneauthfilter.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogThrottleTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final LogThrottle throttle = new LogThrottle(Duration.ofMinutes(1), now::get);

  @Test
  void allowWhenFirstThenTrueAndThenFalseWithinTheInterval() {
    assertTrue(throttle.allow());
    assertFalse(throttle.allow());
    now.addAndGet(Duration.ofSeconds(59).toNanos());
    assertFalse(throttle.allow());
  }

  @Test
  void allowWhenIntervalPassedThenTrueOnceMore() {
    assertTrue(throttle.allow());
    now.addAndGet(Duration.ofMinutes(1).toNanos());
    assertTrue(throttle.allow());
    assertFalse(throttle.allow());
  }

  @Test
  void allowWhenNanoTimeIsNegativeThenStillWorks() {
    now.set(Long.MIN_VALUE + 5);
    LogThrottle wrapped = new LogThrottle(Duration.ofSeconds(1), now::get);
    assertTrue(wrapped.allow());
    assertFalse(wrapped.allow());
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertTrue(wrapped.allow());
  }

  @Test
  void allowWhenManyThreadsAtOnceThenExactlyOneIsAllowed() throws Exception {
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger allowed = new AtomicInteger();
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int i = 0; i < threads; i++) {
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  if (throttle.allow()) {
                    allowed.incrementAndGet();
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, allowed.get());
  }

  @Test
  void constructorWhenIntervalNotPositiveThenRefused() {
    assertThrows(IllegalArgumentException.class, () -> new LogThrottle(Duration.ZERO));
  }
}
