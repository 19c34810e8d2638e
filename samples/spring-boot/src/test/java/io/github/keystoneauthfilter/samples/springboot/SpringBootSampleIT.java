package io.github.keystoneauthfilter.samples.springboot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.testing.KeystoneEnv;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Boots the application on Tomcat, on a free port of 127.0.0.1, with the starter pointed at the
 * real Keystone of {@code scripts/keystone.sh} ({@code keystone.auth.*}), and calls it with tokens
 * Keystone issues.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "server.address=127.0.0.1")
class SpringBootSampleIT {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static final KeystoneEnv KEYSTONE = load();

  @LocalServerPort int port;

  @Autowired ServletContext servletContext;

  @DynamicPropertySource
  static void keystone(DynamicPropertyRegistry registry) {
    registry.add("keystone.auth.auth-url", () -> KEYSTONE.get("KEYSTONE_URLS"));
    registry.add("keystone.auth.username", () -> KEYSTONE.get("KEYSTONE_SVC_USER"));
    registry.add("keystone.auth.password", () -> KEYSTONE.get("KEYSTONE_SVC_PASSWORD"));
    registry.add("keystone.auth.project-name", () -> KEYSTONE.get("KEYSTONE_SVC_PROJECT"));
  }

  @Test
  void filterIsRegisteredExactlyOnce() {
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
  void apiWhenDemoTokenThenTheCatchAllNamesTheCaller() throws Exception {
    HttpResponse<String> response = get("/api/anything", KEYSTONE.token("DEMO"));
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("api, for demo\n", response.body());
  }

  @Test
  void publicWhenNoTokenThen200FromTheExcludedPath() throws Exception {
    HttpResponse<String> response = get("/public/x", null);
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("public\n", response.body());
  }

  @Test
  void apiWhenRawUriLeadsOutOfTheExcludedPathThen401NotTheApiHandler() throws Exception {
    // Tomcat normalises these to /public/x (excluded); Spring MVC routes the raw URI to /api/**.
    for (String target : List.of("/api/secret/../../public/x", "/api/..;/public/x")) {
      String answer = rawGet(target);
      assertTrue(answer.startsWith("HTTP/1.1 401 "), target + " answered: " + answer);
      assertTrue(answer.contains("WWW-Authenticate: Keystone uri="), "the filter's 401: " + answer);
    }
    for (String target : List.of("/api/%2e%2e/public/x", "/public//x", "/api/..%2Fpublic/x")) {
      String answer = rawGet(target);
      assertFalse(answer.startsWith("HTTP/1.1 200 "), target + " answered: " + answer);
    }
  }

  /** Sends {@code GET <target>} byte for byte (no client normalises it); the answer's head. */
  private String rawGet(String target) throws IOException {
    String request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String answer =
          new String(socket.getInputStream().readNBytes(4096), StandardCharsets.ISO_8859_1);
      int end = answer.indexOf("\r\n\r\n");
      return end < 0 ? answer : answer.substring(0, end);
    }
  }

  @Test
  void helloWhenDemoTokenThenGreetsFromTheIdentity() throws Exception {
    HttpResponse<String> response = get("/api/hello", KEYSTONE.token("DEMO"));
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.body().startsWith("hello, demo of demo, roles "), response.body());
    assertTrue(response.body().contains("member"), response.body());
  }

  @Test
  void helloWhenNoTokenThen401WithKeystoneUri() throws Exception {
    HttpResponse<String> response = get("/api/hello", null);
    assertEquals(401, response.statusCode());
    assertEquals(
        KEYSTONE.wwwAuthenticate(),
        response.headers().firstValue("WWW-Authenticate").orElse("(none)"));
  }

  @Test
  void adminWhenDemoTokenThen403InJson() throws Exception {
    HttpResponse<String> response = get("/api/admin", KEYSTONE.token("DEMO"));
    assertEquals(403, response.statusCode());
    assertEquals(
        "{\"error\": {\"code\": 403, \"title\": \"Forbidden\", \"message\":"
            + " \"You are not authorized to perform the requested action.\"}}",
        response.body());
  }

  @Test
  void healthWhenNoTokenThenKeystoneIsUp() throws Exception {
    get("/api/hello", KEYSTONE.token("DEMO"));
    HttpResponse<String> response = get("/actuator/health/keystone", null);
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.body().contains("\"status\":\"UP\""), response.body());
  }

  @Test
  void adminWhenAdminTokenThen200() throws Exception {
    HttpResponse<String> response = get("/api/admin", KEYSTONE.token("ADMIN"));
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.body().startsWith("welcome, admin"), response.body());
  }

  private HttpResponse<String> get(String path, @Nullable String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30));
    if (token != null) {
      request.header("X-Auth-Token", token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static KeystoneEnv load() {
    try {
      return KeystoneEnv.fromSystemProperties();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
