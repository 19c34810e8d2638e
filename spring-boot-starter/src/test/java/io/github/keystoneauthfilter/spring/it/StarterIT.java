package io.github.keystoneauthfilter.spring.it;

import static io.github.keystoneauthfilter.spring.it.Http.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.spring.KeystoneAuthenticationProvider;
import io.github.keystoneauthfilter.spring.it.app.StarterTestApp;
import io.github.keystoneauthfilter.testing.KeystoneEnv;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The starter's default set-up against the real Keystone of {@code scripts/keystone.sh}: the app
 * has web, security, actuator, the starter, {@code keystone.auth.*} properties and {@code
 * PreAuthorize} methods, and no Keystone Java code.
 */
@SpringBootTest(
    classes = StarterTestApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "keystone.auth.excluded-paths=/public/*,/actuator/health/*",
      "management.endpoints.web.exposure.include=health,metrics",
      "management.endpoint.health.show-details=always"
    })
class StarterIT {
  private static final KeystoneEnv KEYSTONE = Http.keystone();

  @Value("${local.server.port}")
  int port;

  @Autowired ServletContext servletContext;

  @Autowired ApplicationContext context;

  @DynamicPropertySource
  static void keystone(DynamicPropertyRegistry registry) {
    registry.add("keystone.auth.auth-url", () -> KEYSTONE.get("KEYSTONE_URLS"));
    registry.add("keystone.auth.username", () -> KEYSTONE.get("KEYSTONE_SVC_USER"));
    registry.add("keystone.auth.password", () -> KEYSTONE.get("KEYSTONE_SVC_PASSWORD"));
    registry.add("keystone.auth.project-name", () -> KEYSTONE.get("KEYSTONE_SVC_PROJECT"));
  }

  @Test
  void noTokenThen401WithKeystonemiddlewaresBodyAndChallenge() throws Exception {
    HttpResponse<String> response = get(port, "/api/member");

    assertEquals(401, response.statusCode());
    assertEquals(Http.UNAUTHORIZED_BODY, response.body());
    assertEquals(
        List.of(KEYSTONE.wwwAuthenticate()), response.headers().allValues("WWW-Authenticate"));
    assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
  }

  @Test
  void badTokenThen401() throws Exception {
    HttpResponse<String> response = get(port, "/api/member", "X-Auth-Token", "gAAAAAnot-a-token");

    assertEquals(401, response.statusCode());
    assertEquals(Http.UNAUTHORIZED_BODY, response.body());
  }

  @Test
  void demoOnMemberMethodThen200() throws Exception {
    HttpResponse<String> response =
        get(port, "/api/member", "X-Auth-Token", KEYSTONE.token("DEMO"));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("member demo", response.body());
  }

  @Test
  void demoOnAdminMethodThen403InJson() throws Exception {
    HttpResponse<String> response = get(port, "/api/admin", "X-Auth-Token", KEYSTONE.token("DEMO"));

    assertEquals(403, response.statusCode(), response.body());
    assertEquals(Http.FORBIDDEN_BODY, response.body());
    assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
  }

  @Test
  void adminOnAdminMethodThen200() throws Exception {
    HttpResponse<String> response =
        get(port, "/api/admin", "X-Auth-Token", KEYSTONE.token("ADMIN"));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("admin admin", response.body());
  }

  @Test
  void forgedIdentityHeadersGrantNothing() throws Exception {
    String demo = KEYSTONE.token("DEMO");
    HttpResponse<String> forged =
        get(
            port,
            "/api/admin",
            "X-Auth-Token",
            demo,
            "X-Roles",
            "admin",
            "X-Identity-Status",
            "Confirmed");
    HttpResponse<String> noToken =
        get(port, "/api/admin", "X-Roles", "admin", "X-Identity-Status", "Confirmed");
    HttpResponse<String> me = get(port, "/api/me", "X-Auth-Token", demo, "X-Roles", "admin");

    assertEquals(403, forged.statusCode(), forged.body());
    assertEquals(401, noToken.statusCode(), noToken.body());
    assertTrue(me.body().endsWith(" X-Roles=" + rolesOf(me.body())), me.body());
    assertFalse(rolesOf(me.body()).contains("admin"), me.body());
  }

  private static String rolesOf(String me) {
    return me.replaceAll(".* roles=([^ ]*) .*", "$1");
  }

  @Test
  void principalCarriesTheIdentityAndRolesAsAuthorities() throws Exception {
    HttpResponse<String> response = get(port, "/api/me", "X-Auth-Token", KEYSTONE.token("DEMO"));

    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.body().startsWith("name=demo project=demo roles="), response.body());
    assertTrue(response.body().contains("ROLE_member"), response.body());
    assertTrue(response.body().contains(" service=none "), response.body());
  }

  @Test
  void serviceTokenIdentityReachesThePrincipal() throws Exception {
    HttpResponse<String> response =
        get(
            port,
            "/api/me",
            "X-Auth-Token",
            KEYSTONE.token("DEMO"),
            "X-Service-Token",
            KEYSTONE.token("SVC"));

    assertEquals(200, response.statusCode(), response.body());
    assertTrue(
        response.body().contains(" service=" + KEYSTONE.get("KEYSTONE_SVC_USER") + " "),
        response.body());
  }

  @Test
  void excludedPathWithoutTokenThen200ButNotForANonCanonicalUri() throws Exception {
    HttpResponse<String> response = get(port, "/public/hello");

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("public anonymous", response.body());
    // Tomcat reads /public/hello, Spring MVC would route /api/me: the filter exempts neither.
    String raw = Http.rawGet(port, "/api/..;/public/hello");
    assertTrue(raw.startsWith("HTTP/1.1 401 "), raw);
  }

  @Test
  void errorPageOfAnAuthenticatedRequestKeepsItsIdentity() throws Exception {
    // The ERROR dispatch to /error goes through the filter and Spring Security again: with the
    // identity carried over it is Boot's 404, not a 401.
    HttpResponse<String> response =
        get(port, "/api/no-such-thing", "X-Auth-Token", KEYSTONE.token("DEMO"));

    assertEquals(404, response.statusCode(), response.body());
  }

  @Test
  void filterIsRegisteredExactlyOnceOnEverything() {
    List<String> names =
        servletContext.getFilterRegistrations().values().stream()
            .filter(r -> KeystoneAuthFilter.class.getName().equals(r.getClassName()))
            .map(FilterRegistration::getName)
            .toList();
    assertEquals(List.of("keystone-auth"), names);
    assertEquals(
        List.of("/*"),
        List.copyOf(servletContext.getFilterRegistration("keystone-auth").getUrlPatternMappings()));
  }

  @Test
  void filtersJackson2AndBoot4sJackson3ServeTheSameApp() throws Exception {
    // The filter reads Keystone's answers with Jackson 2 (every 200 here needs it); on Boot 4 the
    // application's own JSON (the actuator's, below) is written by Jackson 3.
    assertTrue(present("com.fasterxml.jackson.databind.ObjectMapper"));
    if (present("org.springframework.boot.health.contributor.HealthIndicator")) {
      assertTrue(present("tools.jackson.databind.ObjectMapper"), "Boot 4 brings Jackson 3");
      assertTrue(
          context.getBeanNamesForType(Class.forName("tools.jackson.databind.json.JsonMapper"))
                  .length
              > 0,
          "Boot 4's JSON mapper is Jackson 3's");
    }
    HttpResponse<String> health = get(port, "/actuator/health/keystone");
    assertTrue(health.body().contains("\"status\":\"UP\""), health.body());
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, StarterIT.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  @Test
  void noGeneratedDevelopmentUserBesideKeystone() {
    assertEquals(0, context.getBeanNamesForType(UserDetailsService.class).length);
    assertEquals(1, context.getBeanNamesForType(KeystoneAuthenticationProvider.class).length);
  }

  @Test
  void metersAreVisibleAtActuatorMetrics() throws Exception {
    String demo = KEYSTONE.token("DEMO");
    get(port, "/api/member", "X-Auth-Token", demo);

    HttpResponse<String> requests =
        get(port, "/actuator/metrics/keystone.auth.requests", "X-Auth-Token", demo);
    HttpResponse<String> latency =
        get(port, "/actuator/metrics/keystone.auth.endpoint.latency", "X-Auth-Token", demo);

    assertEquals(200, requests.statusCode(), requests.body());
    assertTrue(requests.body().contains("\"name\":\"keystone.auth.requests\""), requests.body());
    assertTrue(requests.body().contains("confirmed"), requests.body());
    assertEquals(200, latency.statusCode(), latency.body());
  }

  @Test
  void keystoneHealthIsUpWithEachEndpoint() throws Exception {
    get(port, "/api/member", "X-Auth-Token", KEYSTONE.token("DEMO"));

    HttpResponse<String> health = get(port, "/actuator/health/keystone");

    assertEquals(200, health.statusCode(), health.body());
    assertTrue(health.body().contains("\"status\":\"UP\""), health.body());
    assertTrue(health.body().contains("\"state\":\"CLOSED\""), health.body());
    assertTrue(health.body().contains(KEYSTONE.url(1).replaceFirst("/v3$", "")), health.body());
  }
}
