package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Against the real Keystone site whose tokens expire after seconds ({@code scripts/keystone.sh
 * sites --expiring S}, with {@code [token] allow_expired_window} a day): an expired user token is
 * accepted only with a service token holding the service role (keystonemiddleware's {@code
 * allow_expired}), and the filter's own service token, which Keystone expires just as fast, is
 * renewed so that validation goes on.
 */
class ExpiringTokensIT {
  private static RealKeystone keystone;
  private static int site;
  private static Duration lifetime;

  @BeforeAll
  static void site() throws Exception {
    keystone = RealKeystone.sites();
    site = keystone.expiringSite();
    lifetime = keystone.tokenLifetime(site);
    assertTrue(
        lifetime.compareTo(Duration.ofSeconds(60)) <= 0,
        "the expiring site's tokens must live seconds, not " + lifetime);
  }

  /** Every request validated at the expiring site (no cache). */
  private static Properties uncached() {
    Properties config = keystone.filterConfig(site);
    config.setProperty("token_cache_time", "-1");
    config.setProperty("invalid_token_cache_time", "-1");
    return config;
  }

  @Test
  void expiredUserTokenWhenServiceTokenHasServiceRoleThenConfirmedElse401() throws Exception {
    String user = keystone.demoToken(site);
    awaitExpiredAtKeystone(user);

    try (Webapp app = Webapp.start(uncached())) {
      String service = keystone.serviceToken(site);
      HttpResponse<String> withService =
          app.get("/expired", Map.of("X-Auth-Token", user, "X-Service-Token", service));
      assertEquals(200, withService.statusCode(), withService.body());
      assertEquals("Confirmed", Webapp.seen(withService, "X-Identity-Status"));
      assertEquals("Confirmed", Webapp.seen(withService, "X-Service-Identity-Status"));
      assertEquals(
          keystone.env.getProperty("KEYSTONE_DEMO_USER"), Webapp.seen(withService, "X-User-Name"));
      assertEquals(
          keystone.env.getProperty("KEYSTONE_SVC_USER"),
          Webapp.seen(withService, "X-Service-User-Name"));
      assertTrue(Webapp.seen(withService, "X-Service-Roles").contains("service"));

      HttpResponse<String> alone = app.getWithToken("/expired", user);
      assertEquals(401, alone.statusCode(), "expired token without a service token");

      // A valid token that lacks the service role does not unlock allow_expired.
      String notAService = keystone.demoToken(site);
      HttpResponse<String> withUserAsService =
          app.get("/expired", Map.of("X-Auth-Token", user, "X-Service-Token", notAService));
      assertEquals(401, withUserAsService.statusCode(), "service token without the service role");
    }
  }

  /**
   * The filter logs in at the first request; a service token it never renewed would be expired
   * (Keystone answers 401 to it as X-Auth-Token) after one lifetime. Requests over three lifetimes,
   * each with a fresh user token and no cache, all answered 200, so the filter logged in again.
   */
  @Test
  void validationWhenServiceTokenLifetimesPassThenFilterLogsInAgainAndKeepsConfirming()
      throws Exception {
    try (Webapp app = Webapp.start(uncached())) {
      long start = System.nanoTime();
      long end = start + lifetime.multipliedBy(3).plusSeconds(3).toNanos();
      int requests = 0;
      while (System.nanoTime() < end) {
        String user = keystone.demoToken(site);
        HttpResponse<String> response = app.getWithToken("/renewal", user);
        long second = (System.nanoTime() - start) / 1_000_000_000;
        assertEquals(200, response.statusCode(), "request " + requests + " at " + second + " s");
        assertEquals("Confirmed", Webapp.seen(response, "X-Identity-Status"));
        requests++;
        Thread.sleep(1_000); // a request a second; the test is about elapsed lifetimes
      }
      assertTrue(requests >= 3, "requests over three service-token lifetimes: " + requests);
      assertEquals(0, app.endpoints().get(0).get("failures").asLong(), app.endpoints().toString());
    }
  }

  /** Waits (bounded) until the expiring site answers 404 for {@code token}: it has expired. */
  private static void awaitExpiredAtKeystone(String token) throws Exception {
    long deadline = System.nanoTime() + lifetime.plusSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      String caller = keystone.serviceToken(site);
      int status = keystone.validationStatus(site, caller, token);
      if (status == 404) {
        return;
      }
      assertEquals(200, status, "Keystone's answer for the user token before it expired");
      Thread.sleep(1_000);
    }
    throw new AssertionError("the user token did not expire within " + lifetime.plusSeconds(60));
  }
}
