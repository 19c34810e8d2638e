package io.github.keystoneauthfilter.spring.it;

import static io.github.keystoneauthfilter.spring.it.Http.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.spring.it.app.StarterTestApp;
import io.github.keystoneauthfilter.testing.FaultProxy;
import io.github.keystoneauthfilter.testing.KeystoneEnv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The {@code keystone} health contributor going DOWN when every Keystone site stops answering and
 * UP again when they are back. The sites are two real Keystone instances behind fault proxies of
 * this test's own (the shared instances themselves are never touched): "stopped" is each proxy
 * holding every answer, so each call times out.
 */
@SpringBootTest(
    classes = StarterTestApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "keystone.auth.excluded-paths=/actuator/health/*",
      "keystone.auth.failover-failure-threshold=1",
      "keystone.auth.failover-open-seconds=15",
      "keystone.auth.failover-max-open-seconds=15",
      "keystone.auth.http-connect-timeout=1",
      "keystone.auth.http-request-timeout=1",
      "keystone.auth.failover-deadline=8",
      "keystone.auth.token-cache-time=-1",
      "management.endpoint.health.show-details=always"
    })
class KeystoneHealthIT {
  private static final KeystoneEnv KEYSTONE = Http.keystone();
  private static final FaultProxy SITE1 = proxy(1);
  private static final FaultProxy SITE2 = proxy(2);

  @Value("${local.server.port}")
  int port;

  private static FaultProxy proxy(int instance) {
    URI url = URI.create(KEYSTONE.url(instance));
    try {
      return FaultProxy.start(url.getHost(), url.getPort());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void keystone(DynamicPropertyRegistry registry) {
    registry.add(
        "keystone.auth.auth-url",
        () -> "http://127.0.0.1:" + SITE1.port() + "/v3,http://127.0.0.1:" + SITE2.port() + "/v3");
    registry.add("keystone.auth.username", () -> KEYSTONE.get("KEYSTONE_SVC_USER"));
    registry.add("keystone.auth.password", () -> KEYSTONE.get("KEYSTONE_SVC_PASSWORD"));
    registry.add("keystone.auth.project-name", () -> KEYSTONE.get("KEYSTONE_SVC_PROJECT"));
  }

  @AfterAll
  static void stopProxies() {
    SITE1.close();
    SITE2.close();
  }

  @Test
  void healthGoesDownWhenEverySiteStopsAndUpWhenOneIsBack() throws Exception {
    String demo = KEYSTONE.token("DEMO");
    assertEquals(200, get(port, "/api/member", "X-Auth-Token", demo).statusCode());
    HttpResponse<String> up = get(port, "/actuator/health/keystone");
    assertEquals(200, up.statusCode(), up.body());
    assertTrue(up.body().contains("\"status\":\"UP\""), up.body());

    SITE1.mode(new FaultProxy.Hold());
    SITE2.mode(new FaultProxy.Hold());
    HttpResponse<String> refused =
        get(port, "/api/member", "X-Auth-Token", demo, "Accept", "application/json");
    assertEquals(503, refused.statusCode(), refused.body());
    assertTrue(refused.headers().firstValue("Retry-After").isPresent(), "Retry-After");

    HttpResponse<String> down = get(port, "/actuator/health/keystone");
    assertEquals(503, down.statusCode(), down.body());
    assertTrue(down.body().contains("\"status\":\"DOWN\""), down.body());
    assertEquals(2, count(down.body(), "\"state\":\"OPEN\""), down.body());
    assertEquals(2, count(down.body(), "\"lastFailure\""), down.body());
    assertTrue(
        down.body().contains("\"url\":\"http://127.0.0.1:" + SITE1.port() + "\""), down.body());

    SITE1.mode(new FaultProxy.Pass());
    SITE2.mode(new FaultProxy.Pass());
    // Once a breaker's open time is over, the next request probes its site and closes it.
    Instant giveUp = Instant.now().plus(Duration.ofSeconds(60));
    int status = 0;
    while (status != 200 && Instant.now().isBefore(giveUp)) {
      status = get(port, "/api/member", "X-Auth-Token", demo).statusCode();
      if (status != 200) {
        Thread.sleep(500); // polling for the breaker's open time to pass; no event to wait on
      }
    }
    assertEquals(200, status, "a site took traffic again within 60 s");
    HttpResponse<String> upAgain = get(port, "/actuator/health/keystone");
    assertEquals(200, upAgain.statusCode(), upAgain.body());
    assertTrue(upAgain.body().contains("\"status\":\"UP\""), upAgain.body());
    assertTrue(upAgain.body().contains("\"state\":\"CLOSED\""), upAgain.body());
  }

  private static int count(String text, String part) {
    return (text.length() - text.replace(part, "").length()) / part.length();
  }
}
