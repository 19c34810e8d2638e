package io.github.keystoneauthfilter.benchmarks;

import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.Fault;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Single flight in process: C threads (default 1,000), released together by a latch, each run the
 * filter on a request carrying the same new token, while the fake Keystone takes D ms (default 500)
 * to answer a validation. Run twice: with the identity cache on (300 s) and off ({@code
 * token_cache_time=-1}, so only the in-flight sharing can keep the count at one).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar \
 *   io.github.keystoneauthfilter.benchmarks.SingleFlight [--concurrency C] [--delay-ms D]</pre>
 *
 * <p>Prints {@code RESULT cache=on|off concurrency=C passed=P validations=V} per run.
 */
public final class SingleFlight {
  private SingleFlight() {}

  public static void main(String[] args) throws Exception {
    int concurrency = 1_000;
    long delayMs = 500;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
        case "--delay-ms" -> delayMs = Long.parseLong(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    int failures = 0;
    for (boolean cacheOn : new boolean[] {true, false}) {
      failures += run(concurrency, delayMs, cacheOn) == 1 ? 0 : 1;
    }
    System.exit(failures == 0 ? 0 : 1);
  }

  private static int run(int concurrency, long delayMs, boolean cacheOn) throws Exception {
    try (FakeKeystone keystone = Harness.keystone()) {
      KeystoneAuthFilter filter =
          Harness.filter(keystone, b -> b.tokenCacheTime(Harness.seconds(cacheOn ? 300 : -1)));
      try {
        Harness.passOnce(filter, keystone.issue(Harness.demoLikeFixture())); // service login
        String token = keystone.issue(Harness.demoLikeFixture());
        keystone.faultLogin(false);
        keystone.fault(Fault.delay(Duration.ofMillis(delayMs)));
        keystone.clearRecorded();

        CountDownLatch ready = new CountDownLatch(concurrency);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger passed = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        Thread[] threads = new Thread[concurrency];
        for (int i = 0; i < concurrency; i++) {
          threads[i] =
              new Thread(
                  () -> {
                    ready.countDown();
                    try {
                      go.await();
                      Harness.passOnce(filter, token);
                      passed.incrementAndGet();
                    } catch (Exception e) {
                      refused.incrementAndGet();
                    }
                  },
                  "request-" + i);
          threads[i].start();
        }
        ready.await();
        long t0 = System.nanoTime();
        go.countDown();
        for (Thread t : threads) {
          t.join(30_000);
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        keystone.fault(Fault.none());
        int validations = keystone.validations();
        System.out.printf(
            Locale.ROOT,
            "cache %s: %,d concurrent requests with one new token -> %d passed, %d refused in"
                + " %.0f ms; Keystone validations: %d%n",
            cacheOn ? "on (300 s)" : "off (-1)",
            concurrency,
            passed.get(),
            refused.get(),
            ms,
            validations);
        System.out.printf(
            Locale.ROOT,
            "RESULT cache=%s concurrency=%d passed=%d validations=%d%n",
            cacheOn ? "on" : "off",
            concurrency,
            passed.get(),
            validations);
        return passed.get() == concurrency ? validations : -1;
      } finally {
        filter.destroy();
      }
    }
  }
}
