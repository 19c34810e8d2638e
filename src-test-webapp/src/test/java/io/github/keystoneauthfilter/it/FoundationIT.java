package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The filter against a real Keystone (Debian's python3-keystone): the foundation's promises. */
class FoundationIT {
  private static final String UNAUTHORIZED_BODY =
      "{\"error\": {\"code\": 401, \"title\": \"Unauthorized\", \"message\":"
          + " \"The request you have made requires authentication.\"}}";

  private static RealKeystone keystone;
  private static Webapp app;

  @BeforeAll
  static void start() throws Exception {
    keystone = RealKeystone.fromSystemProperties();
    app = Webapp.start(keystone.filterConfig(1));
  }

  @AfterAll
  static void stop() throws Exception {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void requestWhenRealTokenThenAppSeesKeystonesIdentity() throws Exception {
    String token = keystone.demoToken(1);
    JsonNode truth = Webapp.JSON.readTree(keystone.validateDirectly(1, token)).get("token");

    HttpResponse<String> response = app.getWithToken("/hello", token);

    assertEquals(200, response.statusCode());
    assertEquals("Confirmed", Webapp.seen(response, "X-Identity-Status"));
    assertEquals(truth.at("/user/id").asText(), Webapp.seen(response, "X-User-Id"));
    assertEquals("demo", Webapp.seen(response, "X-User-Name"));
    assertEquals("default", Webapp.seen(response, "X-User-Domain-Id"));
    assertEquals("Default", Webapp.seen(response, "X-User-Domain-Name"));
    assertEquals(truth.at("/project/id").asText(), Webapp.seen(response, "X-Project-Id"));
    assertEquals("demo", Webapp.seen(response, "X-Project-Name"));
    assertEquals("default", Webapp.seen(response, "X-Project-Domain-Id"));
    assertEquals("Default", Webapp.seen(response, "X-Project-Domain-Name"));
    StringBuilder roles = new StringBuilder();
    for (JsonNode role : truth.get("roles")) {
      roles.append(roles.length() == 0 ? "" : ",").append(role.get("name").asText());
    }
    assertEquals(roles.toString(), Webapp.seen(response, "X-Roles"));
    assertTrue(roles.toString().contains("member"), roles.toString());
    assertEquals(roles.toString(), Webapp.seen(response, "X-Role"));
    assertEquals("False", Webapp.seen(response, "X-Is-Admin-Project"));
    assertEquals("demo", Webapp.seen(response, "X-Tenant"));
    assertEquals("demo", Webapp.seen(response, "X-Tenant-Name"));
    assertEquals(truth.at("/project/id").asText(), Webapp.seen(response, "X-Tenant-Id"));
    assertEquals("demo", Webapp.seen(response, "X-User"));
    assertNull(Webapp.seen(response, "X-Domain-Id"), "project-scoped: no domain scope header");
    assertNull(Webapp.seen(response, "OpenStack-System-Scope"));
    JsonNode catalog = Webapp.JSON.readTree(Webapp.seen(response, "X-Service-Catalog"));
    assertEquals("identity", catalog.get(0).get("type").asText());
    assertNotNull(catalog.get(0).get("endpoints").get(0).get("publicURL"));
  }

  @Test
  void requestWhenGarbageTokenThen401WithKeystoneChallenge() throws Exception {
    HttpResponse<String> response = app.getWithToken("/hello", "gAAAAABnot-a-real-token");

    assertEquals(401, response.statusCode());
    assertEquals(UNAUTHORIZED_BODY, response.body());
    assertEquals(
        "Keystone uri=\"http://127.0.0.1:" + keystone.port(1) + "\"",
        response.headers().firstValue("WWW-Authenticate").orElseThrow());
    assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
  }

  @Test
  void requestWhenNoTokenThen401() throws Exception {
    HttpResponse<String> response = app.get("/hello", Map.of());

    assertEquals(401, response.statusCode());
    assertEquals(UNAUTHORIZED_BODY, response.body());
  }

  @Test
  void requestWhenForgedIdentityHeadersThenAppNeverSeesThem() throws Exception {
    String token = keystone.demoToken(1);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-Auth-Token", token);
    headers.put("x-user-id", "forged-user");
    headers.put("X-ROLES", "admin");
    headers.put("X-Is-Admin-Project", "True");
    headers.put("OpenStack-System-Scope", "all");
    headers.put("X-Service-Roles", "service");
    headers.put("X-Domain-Id", "forged-domain");
    headers.put("X-Foo", "kept");

    HttpResponse<String> response = app.get("/hello", headers);

    assertEquals(200, response.statusCode());
    assertTrue(!"forged-user".equals(Webapp.seen(response, "X-User-Id")));
    assertTrue(!Webapp.seen(response, "X-Roles").contains("admin"));
    assertEquals("False", Webapp.seen(response, "X-Is-Admin-Project"));
    assertNull(Webapp.seen(response, "OpenStack-System-Scope"));
    assertNull(Webapp.seen(response, "X-Service-Roles"));
    assertNull(Webapp.seen(response, "X-Domain-Id"));
    assertEquals("kept", Webapp.seen(response, "X-Foo"));
    assertTrue(!response.body().contains("forged"), "a forged value reached the app");
  }

  @Test
  void requestWhenForgedHeadersAndBadTokenWithDelayThenOnlyInvalidStatusReachesApp()
      throws Exception {
    Properties config = keystone.filterConfig(1);
    config.setProperty("delay_auth_decision", "true");
    try (Webapp delayed = Webapp.start(config)) {
      HttpResponse<String> response =
          delayed.get(
              "/hello",
              Map.of(
                  "X-Auth-Token", "bad",
                  "X-User-Id", "forged",
                  "X-Identity-Status", "Confirmed",
                  "OpenStack-System-Scope", "all"));

      assertEquals(200, response.statusCode());
      assertEquals("Invalid", Webapp.seen(response, "X-Identity-Status"));
      assertNull(Webapp.seen(response, "X-User-Id"));
      assertNull(Webapp.seen(response, "OpenStack-System-Scope"));
    }
  }

  @Test
  void requestWhenTokenRevokedThenRefusedOnceItsCacheEntryLapses() throws Exception {
    Properties config = keystone.filterConfig(1);
    config.setProperty("token_cache_time", "2");
    try (Webapp shortCache = Webapp.start(config)) {
      String token = keystone.demoToken(1);
      assertEquals(200, shortCache.getWithToken("/hello", token).statusCode());

      keystone.revoke(2, token); // revoked at another site: shared database

      // Within token_cache_time the cached identity is still served (keystonemiddleware too).
      assertEquals(200, shortCache.getWithToken("/hello", token).statusCode());
      Thread.sleep(2_500);
      HttpResponse<String> after = shortCache.getWithToken("/hello", token);
      assertEquals(401, after.statusCode());
      assertEquals(UNAUTHORIZED_BODY, after.body());
    }
  }

  @Test
  void requestWhenFilterLogsInWithAnApplicationCredentialThenTokensValidate() throws Exception {
    String[] credential = keystone.serviceApplicationCredential();
    Properties config = keystone.filterConfig(1);
    config.remove("username");
    config.remove("password");
    config.remove("project_name");
    config.setProperty("auth_type", "v3applicationcredential");
    config.setProperty("application_credential_id", credential[0]);
    config.setProperty("application_credential_secret", credential[1]);
    try (Webapp withCredential = Webapp.start(config)) {
      HttpResponse<String> response = withCredential.getWithToken("/hello", keystone.demoToken(1));

      assertEquals(200, response.statusCode());
      assertEquals("demo", Webapp.seen(response, "X-User-Name"));
    }
  }

  @Test
  void requestWhenTokenIssuedAtAnotherSiteThenAccepted() throws Exception {
    String token = keystone.demoToken(keystone.instances());

    assertEquals(200, app.getWithToken("/hello", token).statusCode());
  }

  @Test
  void requestWhenKeystoneUnreachableThen503WithJsonBody() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Properties config = keystone.filterConfig(1);
    config.setProperty("auth_url", "http://127.0.0.1:" + closedPort + "/v3");
    try (Webapp unreachable = Webapp.start(config)) {
      HttpResponse<String> response =
          unreachable.get(
              "/hello",
              Map.of("X-Auth-Token", keystone.demoToken(1), "Accept", "application/json"));

      assertEquals(503, response.statusCode());
      assertTrue(response.body().contains("\"code\": 503"), response.body());
      assertTrue(response.headers().firstValue("Retry-After").isPresent());
    }
  }

  @Test
  void requestWhenAppAnswersStatusThenStatusPassesThrough() throws Exception {
    HttpResponse<String> response = app.getWithToken("/status/418", keystone.demoToken(1));

    assertEquals(418, response.statusCode());
    assertEquals("Confirmed", Webapp.seen(response, "X-Identity-Status"));
  }
}
