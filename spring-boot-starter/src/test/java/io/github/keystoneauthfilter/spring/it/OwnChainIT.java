package io.github.keystoneauthfilter.spring.it;

import static io.github.keystoneauthfilter.spring.it.Http.get;
import static io.github.keystoneauthfilter.spring.it.Http.send;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.keystoneauthfilter.spring.KeystoneSecurityConfigurer;
import io.github.keystoneauthfilter.spring.it.app.StarterTestApp;
import io.github.keystoneauthfilter.testing.KeystoneEnv;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An application's own {@link SecurityFilterChain} with Keystone added in one line, and {@code
 * delay_auth_decision}: the filter lets every request through, and the application's rules decide
 * (anonymous requests reach {@code permitAll} paths; elsewhere Spring Security answers the filter's
 * 401). CSRF stays on for the application's sake, and a request with a Keystone identity is exempt
 * from it.
 */
@SpringBootTest(
    classes = {StarterTestApp.class, OwnChainIT.OwnChain.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"server.address=127.0.0.1", "keystone.auth.delay-auth-decision=true"})
class OwnChainIT {
  private static final KeystoneEnv KEYSTONE = Http.keystone();

  @Value("${local.server.port}")
  int port;

  /** The application's chain: public paths open, the rest needs an identity. */
  @TestConfiguration(proxyBeanMethods = false)
  static class OwnChain {
    @Bean
    SecurityFilterChain ownChain(HttpSecurity http) throws Exception {
      http.with(KeystoneSecurityConfigurer.keystone(), Customizer.withDefaults());
      http.authorizeHttpRequests(
          requests ->
              requests.requestMatchers("/public/**").permitAll().anyRequest().authenticated());
      return http.build();
    }
  }

  @DynamicPropertySource
  static void keystone(DynamicPropertyRegistry registry) {
    registry.add("keystone.auth.auth-url", () -> KEYSTONE.get("KEYSTONE_URLS"));
    registry.add("keystone.auth.username", () -> KEYSTONE.get("KEYSTONE_SVC_USER"));
    registry.add("keystone.auth.password", () -> KEYSTONE.get("KEYSTONE_SVC_PASSWORD"));
    registry.add("keystone.auth.project-name", () -> KEYSTONE.get("KEYSTONE_SVC_PROJECT"));
  }

  @Test
  void anonymousRequestReachesThePublicPath() throws Exception {
    HttpResponse<String> noToken = get(port, "/public/hello");
    HttpResponse<String> badToken = get(port, "/public/hello", "X-Auth-Token", "gAAAAAbad");

    assertEquals(200, noToken.statusCode(), noToken.body());
    assertEquals("public anonymous", noToken.body());
    assertEquals("public anonymous", badToken.body());
  }

  @Test
  void anonymousRequestElsewhereGetsTheFiltersUnauthorizedOnce() throws Exception {
    HttpResponse<String> response = get(port, "/api/member", "X-Roles", "member");

    assertEquals(401, response.statusCode(), response.body());
    assertEquals(Http.UNAUTHORIZED_BODY, response.body());
    assertEquals(
        List.of(KEYSTONE.wwwAuthenticate()), response.headers().allValues("WWW-Authenticate"));
  }

  @Test
  void rolesDecideAsWithTheDefaultChain() throws Exception {
    String demo = KEYSTONE.token("DEMO");

    assertEquals(200, get(port, "/api/member", "X-Auth-Token", demo).statusCode());
    HttpResponse<String> admin = get(port, "/api/admin", "X-Auth-Token", demo);
    assertEquals(403, admin.statusCode(), admin.body());
    assertEquals(Http.FORBIDDEN_BODY, admin.body());
    assertEquals("public demo", get(port, "/public/hello", "X-Auth-Token", demo).body());
  }

  @Test
  void postWithKeystoneIdentityIsExemptFromCsrfButAnonymousIsNot() throws Exception {
    HttpResponse<String> withToken =
        send(port, "POST", "/api/member", "X-Auth-Token", KEYSTONE.token("DEMO"));
    HttpResponse<String> anonymous = send(port, "POST", "/api/member");

    assertEquals(200, withToken.statusCode(), withToken.body());
    assertEquals("posted by demo", withToken.body());
    assertEquals(403, anonymous.statusCode(), "CSRF refuses the anonymous POST");
  }
}
