package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Multi-site failover against three real Keystone sites that share Fernet keys but nothing at run
 * time (each its own copy of the database: {@code scripts/keystone.sh sites}, so a paused site
 * cannot stall the others through a database lock), under concurrent load of uncached validations,
 * with real faults: {@code kill -9}, {@code SIGSTOP} (a hung site that never resets connections)
 * and all sites down.
 */
class FailoverIT {
  private static final int THREADS = 4;
  private static final long REQUEST_TIMEOUT_MS = 1_000;

  private static RealKeystone keystone;
  private static List<String> tokens;

  @BeforeAll
  static void tokens() throws Exception {
    keystone = RealKeystone.sites();
    assertTrue(keystone.instances() >= 3, "these tests need three Keystone sites");
    tokens = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      tokens.add(keystone.demoToken(1 + i % 3));
    }
  }

  @AfterEach
  void everySiteBack() throws Exception {
    for (int i = 1; i <= 3; i++) {
      keystone.resume(i); // no-op unless paused
    }
    for (int i = 1; i <= 3; i++) {
      if (!answers(i)) {
        keystone.restart(i);
      }
    }
  }

  /**
   * Every request validates at Keystone (no cache); fast failure detection; one site at a time
   * (hedging off): these tests check the breakers and the order themselves, which hedging would
   * hide (a hedge answers before a breaker opens, and a demoted site returns only after probes).
   * HedgingIT puts the hedged path through the same faults.
   */
  private static Properties uncached(int... order) {
    Properties config = keystone.filterConfig(order);
    config.setProperty("failover_hedge_delay", "off");
    config.setProperty("token_cache_time", "-1");
    config.setProperty("http_connect_timeout", "1");
    config.setProperty("http_request_timeout", Long.toString(REQUEST_TIMEOUT_MS / 1000));
    config.setProperty("failover_failure_threshold", "3");
    config.setProperty("failover_open_seconds", "2");
    config.setProperty("failover_max_open_seconds", "4");
    config.setProperty("failover_deadline", "5");
    return config;
  }

  @Test
  void loadWhenPrimaryKilledThenNoRequestFailsAndTrafficReturnsAfterRestart() throws Exception {
    try (Webapp app = Webapp.start(uncached(1, 2, 3))) {
      assertEquals(200, app.getWithToken("/warm", tokens.get(0)).statusCode());

      CompletableFuture<List<Load.Result>> load =
          CompletableFuture.supplyAsync(() -> run(app, 60, Duration.ofSeconds(40)));
      Thread.sleep(1_000);
      keystone.kill(1);
      List<Load.Result> results = load.join();

      assertEquals(0, Load.failed(results), "failed requests while the primary was killed");
      assertTrue(results.size() >= THREADS * 60 / 2, "load ran: " + results.size());
      JsonNode endpoints = app.endpoints();
      assertEquals("OPEN", state(endpoints, 0), endpoints.toString());
      assertTrue(endpoints.get(1).get("answers").asLong() > 0, endpoints.toString());

      keystone.restart(1);
      long primaryAnswersBefore = endpoints.get(0).get("answers").asLong();
      awaitPrimaryServing(app, primaryAnswersBefore);
    }
  }

  @Test
  void loadWhenPrimaryHungThenNoRequestFailsAndSlowRequestsAreBounded() throws Exception {
    try (Webapp app = Webapp.start(uncached(1, 2, 3))) {
      assertEquals(200, app.getWithToken("/warm", tokens.get(0)).statusCode());

      CompletableFuture<List<Load.Result>> load =
          CompletableFuture.supplyAsync(() -> run(app, 60, Duration.ofSeconds(40)));
      Thread.sleep(1_000);
      keystone.pause(1);
      List<Load.Result> results = load.join();

      assertEquals(0, Load.failed(results), "failed requests while the primary hung");
      // A hung primary costs at most one request timeout per request, and only until the
      // breaker opens: the requests in flight then, plus the threshold. Each breaker reopening
      // (probe) may cost one more.
      long slow = Load.slowerThan(results, REQUEST_TIMEOUT_MS * 8 / 10);
      assertTrue(
          Load.maxMillis(results) < REQUEST_TIMEOUT_MS + 1_500,
          "max latency " + Load.maxMillis(results) + " ms");
      assertTrue(slow <= THREADS + 3 + 4, "slow requests: " + slow + " of " + results.size());
      assertEquals("OPEN", state(app.endpoints(), 0), app.endpoints().toString());

      keystone.resume(1);
      awaitPrimaryServing(app, app.endpoints().get(0).get("answers").asLong());
    }
  }

  @Test
  void requestWhenAllSitesDownThenFast503WithRetryAfterAndCachedIdentitiesStillServed()
      throws Exception {
    Properties config = uncached(1, 2, 3);
    config.setProperty("token_cache_time", "300");
    config.setProperty("failover_failure_threshold", "1");
    config.setProperty("failover_open_seconds", "30");
    config.setProperty("failover_max_open_seconds", "60");
    try (Webapp app = Webapp.start(config)) {
      String cached = tokens.get(0);
      assertEquals(200, app.getWithToken("/warm", cached).statusCode());
      for (int i = 1; i <= 3; i++) {
        keystone.pause(i);
      }

      // The first request finds every site hung: each costs one timeout and opens its breaker.
      HttpResponse<String> first = app.getWithToken("/down", tokens.get(1));
      assertEquals(503, first.statusCode());

      long before = System.nanoTime();
      HttpResponse<String> fast =
          app.get("/down", Map.of("X-Auth-Token", tokens.get(2), "Accept", "application/json"));
      long millis = (System.nanoTime() - before) / 1_000_000;
      assertEquals(503, fast.statusCode());
      assertTrue(millis < 500, "503 with every breaker open took " + millis + " ms");
      long retryAfter = Long.parseLong(fast.headers().firstValue("Retry-After").orElseThrow());
      assertTrue(retryAfter >= 20 && retryAfter <= 30, "Retry-After " + retryAfter);
      assertTrue(fast.body().contains("\"code\": 503"), fast.body());
      for (JsonNode endpoint : app.endpoints()) {
        assertEquals("OPEN", endpoint.get("state").asText());
      }

      assertEquals(200, app.getWithToken("/cached", cached).statusCode());
    }
  }

  @Test
  void requestsWhenTwoClientsOrderSitesDifferentlyThenEachStaysOnItsPrimary() throws Exception {
    try (Webapp first = Webapp.start(uncached(1, 2, 3));
        Webapp second = Webapp.start(uncached(2, 1, 3))) {
      for (int i = 0; i < 10; i++) {
        assertEquals(200, first.getWithToken("/a", tokens.get(i)).statusCode());
        assertEquals(200, second.getWithToken("/b", tokens.get(i)).statusCode());
      }
      JsonNode a = first.endpoints();
      JsonNode b = second.endpoints();
      assertTrue(a.get(0).get("url").asText().endsWith(":" + keystone.port(1)), a.toString());
      assertEquals(10, a.get(0).get("answers").asLong(), a.toString());
      assertEquals(0, a.get(1).get("answers").asLong(), a.toString());
      assertTrue(b.get(0).get("url").asText().endsWith(":" + keystone.port(2)), b.toString());
      assertEquals(10, b.get(0).get("answers").asLong(), b.toString());
      assertEquals(0, b.get(1).get("answers").asLong(), b.toString());
    }
  }

  /** Sends requests until the primary answers again (its open duration passes), bounded. */
  private static void awaitPrimaryServing(Webapp app, long answersBefore) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    int i = 0;
    while (System.nanoTime() < deadline) {
      assertEquals(200, app.getWithToken("/back", tokens.get(i++ % tokens.size())).statusCode());
      JsonNode endpoints = app.endpoints();
      if ("CLOSED".equals(state(endpoints, 0))
          && endpoints.get(0).get("answers").asLong() > answersBefore) {
        long answersNow = endpoints.get(0).get("answers").asLong();
        long secondaryNow = endpoints.get(1).get("answers").asLong();
        for (int k = 0; k < 5; k++) {
          assertEquals(200, app.getWithToken("/back", tokens.get(k)).statusCode());
        }
        JsonNode after = app.endpoints();
        assertEquals(answersNow + 5, after.get(0).get("answers").asLong(), after.toString());
        assertEquals(secondaryNow, after.get(1).get("answers").asLong(), after.toString());
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("traffic did not return to the primary: " + app.endpoints());
  }

  private static String state(JsonNode endpoints, int index) {
    return endpoints.get(index).get("state").asText();
  }

  private static boolean answers(int instance) {
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", keystone.port(instance)), 1_000);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static List<Load.Result> run(Webapp app, int perThread, Duration maxTime) {
    try {
      return Load.run(app, tokens, THREADS, perThread, maxTime);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
