package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code failover_on_not_found} against real Keystone sites that do not share a database ({@code
 * scripts/keystone.sh sites}): a token revoked on site 2 only (the revocation stays in site 2's
 * copy of the database) is unknown there and valid on site 1, as a token can be while sites
 * replicate.
 */
class IndependentSitesIT {
  private static RealKeystone keystone;

  @BeforeAll
  static void sites() throws Exception {
    keystone = RealKeystone.sites();
    assertTrue(keystone.instances() >= 2, "these tests need two Keystone sites");
  }

  /** A demo token valid on site 1 and revoked on site 2 alone; checked at both sites. */
  private static String validOnSite1Only() throws Exception {
    String token = keystone.demoToken(1);
    keystone.revoke(2, token);
    String caller = keystone.serviceToken(1);
    assertEquals(200, keystone.validationStatus(1, caller, token), "site 1 must still know it");
    assertEquals(404, keystone.validationStatus(2, caller, token), "site 2 revoked it");
    return token;
  }

  private static Properties site2ThenSite1(boolean failoverOnNotFound) {
    Properties config = keystone.filterConfig(2, 1);
    config.setProperty("failover_on_not_found", Boolean.toString(failoverOnNotFound));
    config.setProperty("token_cache_time", "-1");
    config.setProperty("invalid_token_cache_time", "-1");
    return config;
  }

  @Test
  void tokenUnknownAtFirstSiteWhenFailoverOnNotFoundThenSecondSiteConfirmsIt() throws Exception {
    String token = validOnSite1Only();
    try (Webapp app = Webapp.start(site2ThenSite1(true))) {
      HttpResponse<String> response = app.getWithToken("/replicating", token);

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("Confirmed", Webapp.seen(response, "X-Identity-Status"));
      assertEquals(
          keystone.env.getProperty("KEYSTONE_DEMO_USER"), Webapp.seen(response, "X-User-Name"));
      JsonNode endpoints = app.endpoints();
      assertTrue(endpoints.get(0).get("url").asText().endsWith(":" + keystone.port(2)));
      assertEquals(1, endpoints.get(0).get("answers").asLong(), endpoints.toString());
      assertEquals(1, endpoints.get(1).get("answers").asLong(), endpoints.toString());
      assertEquals(0, endpoints.get(0).get("failures").asLong(), endpoints.toString());
    }
  }

  @Test
  void tokenUnknownAtFirstSiteWhenNoFailoverOnNotFoundThen401AndSecondSiteNotAsked()
      throws Exception {
    String token = validOnSite1Only();
    try (Webapp app = Webapp.start(site2ThenSite1(false))) {
      HttpResponse<String> response = app.getWithToken("/replicating", token);

      assertEquals(401, response.statusCode());
      JsonNode endpoints = app.endpoints();
      assertEquals(1, endpoints.get(0).get("answers").asLong(), endpoints.toString());
      assertEquals(0, endpoints.get(1).get("answers").asLong(), endpoints.toString());
    }
  }
}
