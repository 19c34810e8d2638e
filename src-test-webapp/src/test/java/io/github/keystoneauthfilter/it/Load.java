package io.github.keystoneauthfilter.it;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Concurrent requests against the test webapp, bounded in count and time, each one's status and
 * latency recorded.
 */
final class Load {
  /** One request's outcome. */
  record Result(int status, long millis, long startedAtMillis) {}

  private Load() {}

  /**
   * Sends {@code perThread} requests from each of {@code threads} threads, cycling through {@code
   * tokens}, and returns every outcome. Stops early after {@code maxTime}.
   */
  static List<Result> run(
      Webapp app, List<String> tokens, int threads, int perThread, Duration maxTime)
      throws Exception {
    List<Result> results = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger next = new AtomicInteger();
    long start = System.nanoTime();
    long end = start + maxTime.toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread && System.nanoTime() < end; i++) {
                    String token = tokens.get(Math.floorMod(next.getAndIncrement(), tokens.size()));
                    long before = System.nanoTime();
                    int status;
                    try {
                      HttpResponse<String> response = app.getWithToken("/load", token);
                      status = response.statusCode();
                    } catch (Exception e) {
                      status = -1;
                    }
                    long after = System.nanoTime();
                    results.add(
                        new Result(
                            status,
                            TimeUnit.NANOSECONDS.toMillis(after - before),
                            TimeUnit.NANOSECONDS.toMillis(before - start)));
                  }
                  return null;
                }));
      }
      for (Future<?> future : futures) {
        future.get(maxTime.toMillis() + 60_000, TimeUnit.MILLISECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    return List.copyOf(results);
  }

  static long failed(List<Result> results) {
    return results.stream().filter(r -> r.status() != 200).count();
  }

  static long slowerThan(List<Result> results, long millis) {
    return results.stream().filter(r -> r.millis() > millis).count();
  }

  static long maxMillis(List<Result> results) {
    return results.stream().mapToLong(Result::millis).max().orElse(0);
  }
}
