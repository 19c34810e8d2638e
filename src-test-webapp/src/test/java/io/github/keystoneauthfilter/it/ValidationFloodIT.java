package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Random tokens from many threads against the real Keystone, with a bulkhead of one validation at a
 * time (issue #7, item 3): the bulkhead refuses some of them (503 with Retry-After, counted as
 * bulkhead rejections), the others get 401; each 401 cost exactly one Keystone answer and each 503
 * none (the filter's own per-endpoint counters; the shared Keystone's logs would count other
 * clients too), and a cached valid token keeps getting 200.
 */
class ValidationFloodIT {
  private static final int THREADS = 16;
  private static final int PER_THREAD = 10;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One flood request's answer. */
  private record Outcome(int status, boolean retryAfter) {}

  @Test
  void floodOfRandomTokens_bulkheadRefusesSome_restGet401_cachedTokenKeeps200() throws Exception {
    RealKeystone keystone = RealKeystone.fromSystemProperties();
    Properties config = keystone.filterConfig(1);
    // One validation at a time against 16 threads that each wait for their answer: while one
    // random token is at Keystone (tens of ms), the others arrive and must be refused.
    config.setProperty("max_concurrent_validations", "1");
    try (Webapp app = Webapp.start(config)) {
      String valid = keystone.demoToken(1);
      assertEquals(200, app.getWithToken("/hello", valid).statusCode());
      long before = answers(app);
      long rejectedBefore = bulkheadRejected(app);

      List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
      List<Integer> validStatuses = Collections.synchronizedList(new ArrayList<>());
      AtomicBoolean flooding = new AtomicBoolean(true);
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
      try {
        Future<?> cachedUser =
            pool.submit(
                () -> {
                  go.await();
                  for (int i = 0; i < 10_000 && flooding.get(); i++) {
                    validStatuses.add(app.getWithToken("/hello", valid).statusCode());
                  }
                  return null;
                });
        List<Future<?>> flood = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          flood.add(
              pool.submit(
                  () -> {
                    go.await();
                    for (int i = 0; i < PER_THREAD; i++) {
                      HttpResponse<Void> response =
                          HTTP.send(
                              HttpRequest.newBuilder(app.base().resolve("/hello"))
                                  .timeout(Duration.ofSeconds(60))
                                  .header("X-Auth-Token", randomToken())
                                  .build(),
                              HttpResponse.BodyHandlers.discarding());
                      outcomes.add(
                          new Outcome(
                              response.statusCode(),
                              response.headers().firstValue("Retry-After").isPresent()));
                    }
                    return null;
                  }));
        }
        go.countDown();
        for (Future<?> f : flood) {
          f.get(300, TimeUnit.SECONDS);
        }
        flooding.set(false);
        cachedUser.get(60, TimeUnit.SECONDS);
      } finally {
        pool.shutdownNow();
      }

      assertEquals(THREADS * PER_THREAD, outcomes.size());
      long unauthorized = outcomes.stream().filter(o -> o.status() == 401).count();
      long refused = outcomes.stream().filter(o -> o.status() == 503).count();
      assertEquals(outcomes.size(), unauthorized + refused, "only 401 and 503, no 500");
      assertTrue(refused > 0, "the bulkhead never refused: the flood did not reach its limit");
      assertTrue(unauthorized > 0, "no random token reached Keystone");
      assertEquals(refused, bulkheadRejected(app) - rejectedBefore, "each 503 is the bulkhead's");
      assertTrue(outcomes.stream().filter(o -> o.status() == 503).allMatch(Outcome::retryAfter));
      assertEquals(unauthorized, answers(app) - before, "each 401 one Keystone answer, 503 none");
      assertEquals(0, failures(app));
      assertTrue(validStatuses.size() > 0);
      assertEquals(List.of(200), validStatuses.stream().distinct().toList());
    }
  }

  private static String randomToken() {
    return "gAAAAAB" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-flood";
  }

  private static long answers(Webapp app) throws Exception {
    long total = 0;
    for (JsonNode endpoint : app.endpoints()) {
      total += endpoint.get("answers").asLong();
    }
    return total;
  }

  private static long bulkheadRejected(Webapp app) {
    return app.filter().metrics().requests().bulkheadRejected();
  }

  private static long failures(Webapp app) throws Exception {
    long total = 0;
    for (JsonNode endpoint : app.endpoints()) {
      total += endpoint.get("failures").asLong();
    }
    return total;
  }
}
