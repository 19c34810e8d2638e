package io.github.keystoneauthfilter.samples.webxml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.testing.KeystoneEnv;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the built WAR, unchanged, on Jetty 12 (ee10) in a JVM of its own whose environment holds
 * only the {@code KEYSTONE_*} variables given here, and calls it with tokens that the real Keystone
 * of {@code scripts/keystone.sh} issues.
 */
class WebXmlSampleIT {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static KeystoneEnv keystone;
  private static Process server;
  private static URI base;

  @BeforeAll
  static void deploy() throws Exception {
    keystone = KeystoneEnv.fromSystemProperties();
    server =
        launch(
            Map.of(
                "KEYSTONE_AUTH_URL", keystone.get("KEYSTONE_URLS"),
                "KEYSTONE_USERNAME", keystone.get("KEYSTONE_SVC_USER"),
                "KEYSTONE_PASSWORD", keystone.get("KEYSTONE_SVC_PASSWORD"),
                "KEYSTONE_PROJECT_NAME", keystone.get("KEYSTONE_SVC_PROJECT")),
            ProcessBuilder.Redirect.INHERIT);
    String line = firstLine(server);
    assertTrue(line.startsWith("PORT "), "the WAR did not start: " + line);
    base = URI.create("http://127.0.0.1:" + line.substring("PORT ".length()));
  }

  @AfterAll
  static void undeploy() throws InterruptedException {
    if (server != null) {
      server.destroy();
      server.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void helloWhenDemoTokenThenGreetsFromTheInjectedHeaders() throws Exception {
    HttpResponse<String> response = get("/api/hello", keystone.token("DEMO"));
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.body().startsWith("hello, demo of demo, roles "), response.body());
    assertTrue(response.body().contains("member"), response.body());
  }

  @Test
  void helloWhenNoTokenThen401WithKeystoneUri() throws Exception {
    HttpResponse<String> response = get("/api/hello", null);
    assertEquals(401, response.statusCode());
    assertEquals(
        keystone.wwwAuthenticate(),
        response.headers().firstValue("WWW-Authenticate").orElse("(none)"));
  }

  @Test
  void adminWhenDemoTokenThen403EvenWithForgedRoles() throws Exception {
    String token = keystone.token("DEMO");
    assertEquals(403, get("/api/admin", token).statusCode());
    HttpResponse<String> forged =
        HTTP.send(
            request("/api/admin", token).header("X-Roles", "admin").build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(403, forged.statusCode(), "a forged X-Roles must be stripped");
  }

  @Test
  void adminWhenAdminTokenThen200() throws Exception {
    HttpResponse<String> response = get("/api/admin", keystone.token("ADMIN"));
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.body().startsWith("welcome, admin"), response.body());
  }

  @Test
  void deployWhenPasswordVariableUnsetThenFailsNamingIt(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("war-server.log");
    Process failed =
        launch(
            Map.of(
                "KEYSTONE_AUTH_URL", keystone.get("KEYSTONE_URLS"),
                "KEYSTONE_USERNAME", keystone.get("KEYSTONE_SVC_USER"),
                "KEYSTONE_PROJECT_NAME", keystone.get("KEYSTONE_SVC_PROJECT")),
            ProcessBuilder.Redirect.to(log.toFile()));
    assertTrue(failed.waitFor(60, TimeUnit.SECONDS), "the WAR server did not exit");
    assertEquals(1, failed.exitValue());
    String output = Files.readString(log);
    assertTrue(
        output.contains(
            "password refers to ${KEYSTONE_PASSWORD}, but the environment variable"
                + " KEYSTONE_PASSWORD is not set"),
        output);
  }

  /** Starts {@link WarServer} on the built WAR with exactly these {@code KEYSTONE_*} variables. */
  private static Process launch(Map<String, String> keystoneEnv, ProcessBuilder.Redirect stderr)
      throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            WarServer.class.getName(),
            System.getProperty("sample.war", "target/keystone-sample-webxml.war"));
    builder.environment().keySet().removeIf(name -> name.startsWith("KEYSTONE_"));
    builder.environment().putAll(keystoneEnv);
    return builder.redirectError(stderr).start();
  }

  /** The server's first line on stdout ({@code PORT <n>}), or why there is none. */
  private static String firstLine(Process process) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line =
        CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return out.readLine();
                  } catch (IOException e) {
                    return "(" + e + ")";
                  }
                })
            .get(60, TimeUnit.SECONDS);
    return line != null ? line : "(exited " + process.waitFor() + ")";
  }

  private static HttpResponse<String> get(String path, @Nullable String token)
      throws IOException, InterruptedException {
    return HTTP.send(request(path, token).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder request(String path, @Nullable String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      request.header("X-Auth-Token", token);
    }
    return request;
  }
}
