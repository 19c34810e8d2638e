package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.keystoneauthfilter.testing.FaultProxy;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Time limits that hold against real Keystone: the first site is instance 1 seen through a {@link
 * FaultProxy} that trickles Keystone's answers a byte at a time (each read of the filter returns
 * long before its read timeout, yet a whole answer would take minutes) or holds them; the second
 * site is instance 2, directly. The shared instances are only read from: the proxy is the fault.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TimeLimitIT {
  private static final Duration TRICKLE = Duration.ofMillis(200);
  private static final long DEADLINE_SECONDS = 6;

  /** Generous, for a loaded 2-core machine; a trickled answer takes a minute or more. */
  private static final long MARGIN_MS = 4_000;

  private static RealKeystone keystone;
  private FaultProxy proxy;

  @BeforeAll
  static void keystone() throws Exception {
    keystone = RealKeystone.fromSystemProperties();
    assertTrue(keystone.instances() >= 2, "this test needs two Keystone instances");
  }

  @BeforeEach
  void proxy() throws Exception {
    URI first = URI.create(keystone.url(1));
    proxy = FaultProxy.start(first.getHost(), first.getPort());
  }

  @AfterEach
  void stopProxy() {
    proxy.close();
  }

  /**
   * Sites: instance 1 through the proxy, then instance 2; every request asks Keystone, one site at
   * a time (hedging off: with it, instance 2 answers before instance 1's time limit ends, and this
   * test is about that time limit). HedgingIT covers the hedged path.
   */
  private Properties config() {
    Properties config = keystone.filterConfig(1, 2);
    config.setProperty("failover_hedge_delay", "off");
    URI first = URI.create(keystone.url(1));
    String proxied = "http://127.0.0.1:" + proxy.port() + first.getPath();
    config.setProperty("auth_url", proxied + "," + keystone.url(2));
    config.setProperty("token_cache_time", "-1");
    config.setProperty("http_connect_timeout", "1");
    config.setProperty("http_request_timeout", "1");
    config.setProperty("failover_deadline", Long.toString(DEADLINE_SECONDS));
    config.setProperty("failover_failure_threshold", "2");
    config.setProperty("failover_open_seconds", "60");
    config.setProperty("failover_max_open_seconds", "60");
    return config;
  }

  @Test
  void requestWhenFirstSiteTricklesItsAnswersThenSecondSiteAnswersWithinTheDeadline()
      throws Exception {
    failoverWithinTheDeadlineWhenProxy(new FaultProxy.Trickle(TRICKLE));
  }

  @Test
  void requestWhenFirstSiteHoldsItsAnswersThenSecondSiteAnswersWithinTheDeadline()
      throws Exception {
    failoverWithinTheDeadlineWhenProxy(new FaultProxy.Hold());
  }

  /**
   * Warms the filter through the proxy (service login and one validation answered by instance 1),
   * turns the fault on, then sends three requests: each must be confirmed by instance 2 within the
   * deadline (plus margin), and the first two failures must open the proxied site's breaker.
   */
  private void failoverWithinTheDeadlineWhenProxy(FaultProxy.Mode fault) throws Exception {
    String token = keystone.demoToken(2);
    try (Webapp app = Webapp.start(config())) {
      HttpResponse<String> warm = app.getWithToken("/warm", token);
      assertEquals(200, warm.statusCode(), warm.body());
      assertEquals(1, app.endpoints().get(0).get("answers").asLong(), "warmed through the proxy");

      proxy.mode(fault);
      for (int i = 0; i < 3; i++) {
        long start = System.nanoTime();
        HttpResponse<String> response = app.getWithToken("/trickled/" + i, token);
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("Confirmed", Webapp.seen(response, "X-Identity-Status"));
        assertTrue(
            waited < DEADLINE_SECONDS * 1_000 + MARGIN_MS,
            "request " + i + " took " + waited + " ms (failover_deadline 6 s)");
      }

      JsonNode endpoints = app.endpoints();
      JsonNode proxied = endpoints.get(0);
      assertEquals("OPEN", proxied.get("state").asText(), endpoints.toString());
      assertEquals(2, proxied.get("failures").asLong(), "two failed calls opened it");
      assertEquals(3, endpoints.get(1).get("answers").asLong(), endpoints.toString());
    }
  }
}
