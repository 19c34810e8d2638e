package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /_keystone/metrics} of the test webapp ({@code --expose-metrics}) against the real
 * Keystone instances, with a dead first endpoint (a closed loopback port) so that failures, a
 * breaker opening and failovers show. Keystone itself is left alone.
 */
class MetricsIT {
  private static RealKeystone keystone;

  @BeforeAll
  static void keystone() throws Exception {
    keystone = RealKeystone.fromSystemProperties();
  }

  private static Properties deadFirstThenInstances1And2() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Properties config = keystone.filterConfig(1, 2);
    config.setProperty(
        "auth_url",
        "http://127.0.0.1:" + closedPort + "/v3," + keystone.url(1) + "," + keystone.url(2));
    config.setProperty("failover_failure_threshold", "1");
    config.setProperty("failover_open_seconds", "60");
    return config;
  }

  @Test
  void metricsWhenDeadFirstEndpointThenJsonShowsOutcomesCacheFailoverAndOpenBreaker()
      throws Exception {
    try (Webapp app = Webapp.start(deadFirstThenInstances1And2())) {
      String token = keystone.demoToken(1);

      assertEquals(200, app.getWithToken("/hello", token).statusCode());
      assertEquals(200, app.getWithToken("/hello", token).statusCode()); // cached
      assertEquals(401, app.getWithToken("/hello", "gAAAAABnot-a-real-token").statusCode());
      assertEquals(401, app.get("/hello", Map.of()).statusCode());
      HttpResponse<String> page = app.get("/_keystone/metrics", Map.of());

      assertEquals(200, page.statusCode(), "served without a token");
      assertEquals("application/json", page.headers().firstValue("Content-Type").orElseThrow());
      assertFalse(page.body().contains(token), "a token reached the metrics page");
      JsonNode metrics = Webapp.JSON.readTree(page.body());
      JsonNode requests = metrics.get("requests");
      assertEquals(2, requests.get("confirmed").asLong());
      assertEquals(2, requests.get("invalid").asLong());
      assertEquals(0, requests.get("unavailable").asLong());
      JsonNode cache = metrics.get("cache");
      assertEquals(1, cache.get("hits").asLong());
      assertEquals(2, cache.get("misses").asLong());
      assertEquals(1, cache.get("size").asLong());
      assertEquals(1, cache.get("invalidSize").asLong());
      JsonNode dead = metrics.get("endpoints").get(0);
      assertEquals("OPEN", dead.get("state").asText());
      assertEquals(1, dead.get("failures").asLong());
      assertEquals(1, dead.get("timesOpened").asLong());
      assertEquals(1, dead.get("skipped").asLong());
      assertEquals(2, dead.get("failovers").asLong());
      JsonNode first = metrics.get("endpoints").get(1);
      assertEquals(keystone.url(1).replaceAll("/v3$", ""), first.get("url").asText());
      assertEquals("CLOSED", first.get("state").asText());
      assertEquals(1, first.get("valid").asLong());
      assertEquals(1, first.get("invalid").asLong());
      assertEquals(0, first.get("failovers").asLong());
      assertEquals(2, first.get("calls").asLong());
      double total = first.get("latencyTotalMs").asDouble();
      double max = first.get("latencyMaxMs").asDouble();
      assertTrue(max > 0 && max <= total, total + " / " + max);
      assertEquals(0, metrics.get("endpoints").get(2).get("calls").asLong());
    }
  }

  @Test
  void metricsPageWhenNotExposedThenBehindTheFilter() throws Exception {
    try (Webapp app = Webapp.start(keystone.filterConfig(1), false)) {
      assertEquals(401, app.get("/_keystone/metrics", Map.of()).statusCode());
    }
  }
}
