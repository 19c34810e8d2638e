package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Application credentials with access rules, created through a real Keystone's API (on a site of
 * {@code scripts/keystone.sh sites}, so the new catalog service and credentials stay on that site's
 * own database): a token issued with such a credential may make only the requests its rules name,
 * for this service's {@code service_type}, unless a service token comes with it.
 */
class AccessRulesIT {
  private static final String SERVICE_TYPE = "kaf-echo";

  private static RealKeystone keystone;
  private static int site;

  @BeforeAll
  static void credential() throws Exception {
    keystone = RealKeystone.sites();
    site = Math.min(3, keystone.instances());
    // The service type must be in the token's catalog for the rules to apply at all.
    keystone.ensureCatalogService(site, SERVICE_TYPE);
  }

  private static Properties config() {
    Properties config = keystone.filterConfig(site);
    config.setProperty("service_type", SERVICE_TYPE);
    config.setProperty("include_service_catalog", "true");
    return config;
  }

  @Test
  void applicationCredentialTokenWhenRuleAllowsMethodAndPathThen200ElseOnlyWithServiceToken()
      throws Exception {
    String token =
        keystone.demoAccessRulesToken(
            site,
            "[{\"service\":\""
                + SERVICE_TYPE
                + "\",\"method\":\"GET\",\"path\":\"/api/servers/*\"}]");
    try (Webapp app = Webapp.start(config())) {
      HttpResponse<String> allowed = app.getWithToken("/api/servers/42", token);
      assertEquals(200, allowed.statusCode(), allowed.body());
      assertEquals("Confirmed", Webapp.seen(allowed, "X-Identity-Status"));
      assertEquals(
          keystone.env.getProperty("KEYSTONE_DEMO_USER"), Webapp.seen(allowed, "X-User-Name"));
      assertTrue(Webapp.seen(allowed, "X-Service-Catalog").contains(SERVICE_TYPE));

      assertEquals(401, app.getWithToken("/api/flavors", token).statusCode(), "another path");
      assertEquals(
          401, app.getWithToken("/api/servers/42/disks", token).statusCode(), "one level deeper");

      HttpResponse<String> withService =
          app.get(
              "/api/flavors",
              Map.of("X-Auth-Token", token, "X-Service-Token", keystone.serviceToken(site)));
      assertEquals(200, withService.statusCode(), "with a service token the rules do not apply");
      assertEquals("Confirmed", Webapp.seen(withService, "X-Service-Identity-Status"));
    }
  }

  @Test
  void applicationCredentialTokenWhenRulesNameAnotherServiceThen401() throws Exception {
    String token =
        keystone.demoAccessRulesToken(
            site, "[{\"service\":\"identity\",\"method\":\"GET\",\"path\":\"/api/servers/*\"}]");
    try (Webapp app = Webapp.start(config())) {
      HttpResponse<String> response = app.getWithToken("/api/servers/42", token);
      assertEquals(401, response.statusCode());
      assertTrue(response.body().contains("\"code\": 401"), response.body());
    }
  }
}
