package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The runnable jar's contract (CONTRIBUTING.md's Layout section and {@code TestWebapp}'s
 * description), as outside checks use it: {@code java -jar src-test-webapp/target/test-webapp.jar
 * --port P --config F | --no-filter}, against real Keystone.
 */
class WebappJarIT {
  private static final Path JAR = Path.of("target/test-webapp.jar");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void jarWhenConfiguredThenEchoesIdentityAndStatusPathAndStopsOnSigterm() throws Exception {
    RealKeystone keystone = RealKeystone.fromSystemProperties();
    Path config = Files.createTempFile("jar-it", ".properties");
    try (OutputStream out = Files.newOutputStream(config)) {
      keystone.filterConfig(1, 2, 3).store(out, null);
    }
    int port = freePort();
    Process app = start("--port", Integer.toString(port), "--config", config.toString());
    try {
      String token = keystone.demoToken(1);
      HttpResponse<String> ok = get(port, "/some/path?x=1", token);
      assertEquals(200, ok.statusCode());
      assertEquals("application/json", ok.headers().firstValue("Content-Type").orElseThrow());
      JsonNode body = Webapp.JSON.readTree(ok.body());
      assertEquals("GET", body.get("method").asText());
      assertEquals("/some/path", body.get("path").asText());
      assertEquals("Confirmed", body.at("/headers/X-Identity-Status/0").asText());
      assertEquals("demo", body.at("/headers/X-User-Name/0").asText());

      HttpResponse<String> status = get(port, "/status/404", token);
      assertEquals(404, status.statusCode());
      assertEquals("/status/404", Webapp.JSON.readTree(status.body()).get("path").asText());

      assertEquals(401, get(port, "/", null).statusCode());
    } finally {
      app.destroy(); // SIGTERM
      assertTrue(app.waitFor(15, TimeUnit.SECONDS), "the webapp did not stop on SIGTERM");
    }
  }

  @Test
  void jarWhenNoFilterThenEchoesWithoutToken() throws Exception {
    int port = freePort();
    Process app = start("--port", Integer.toString(port), "--no-filter");
    try {
      HttpResponse<String> response = get(port, "/x", null);
      assertEquals(200, response.statusCode());
      JsonNode headers = Webapp.JSON.readTree(response.body()).get("headers");
      assertNull(headers.get("X-Identity-Status"));
      assertEquals(418, get(port, "/status/418", null).statusCode());
    } finally {
      app.destroy();
      assertTrue(app.waitFor(15, TimeUnit.SECONDS));
    }
  }

  @Test
  void jarWhenArgumentsBadThenExits2NamingTheProblem() throws Exception {
    Process app = new ProcessBuilder(command("--port", "http")).redirectErrorStream(true).start();
    assertTrue(app.waitFor(30, TimeUnit.SECONDS));
    String output = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(2, app.exitValue());
    assertTrue(output.contains("--port must be a port number but was 'http'"), output);
  }

  @Test
  void jarWhenConfigInvalidThenFailsNamingOptionAndValue() throws Exception {
    Path config = Files.createTempFile("jar-it-bad", ".properties");
    Properties p = new Properties();
    p.setProperty("auth_url", "http://127.0.0.1:5000/v3");
    p.setProperty("username", "svc");
    p.setProperty("password", "secret-value-123");
    p.setProperty("project_name", "service");
    p.setProperty("delay_auth_decision", "maybe");
    try (OutputStream out = Files.newOutputStream(config)) {
      p.store(out, null);
    }
    Process app =
        new ProcessBuilder(
                command("--port", Integer.toString(freePort()), "--config", config.toString()))
            .redirectErrorStream(true)
            .start();
    boolean exited = app.waitFor(30, TimeUnit.SECONDS);
    if (!exited) {
      app.destroyForcibly();
    }
    String output = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(exited, "the webapp should refuse to start: " + output);
    assertTrue(app.exitValue() != 0);
    assertTrue(
        output.contains("delay_auth_decision must be true or false but was 'maybe'"), output);
    assertFalse(output.contains("secret-value-123"), output);
  }

  private static Process start(String... args) throws Exception {
    Path log = Files.createTempFile("test-webapp", ".log");
    Process process =
        new ProcessBuilder(command(args))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    int port = Integer.parseInt(args[1]);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      try {
        new java.net.Socket("127.0.0.1", port).close();
        return process;
      } catch (IOException notYet) {
        assertTrue(process.isAlive(), "the webapp exited: " + Files.readString(log));
        Thread.sleep(100);
      }
    }
    process.destroyForcibly();
    throw new AssertionError("the webapp did not listen: " + Files.readString(log));
  }

  private static List<String> command(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String logging = System.getProperty("java.util.logging.config.file");
    if (logging != null) {
      command.add("-Djava.util.logging.config.file=" + logging); // its logs are scanned too
    }
    command.add("-jar");
    command.add(JAR.toAbsolutePath().toString());
    command.addAll(List.of(args));
    return command;
  }

  private static HttpResponse<String> get(int port, String path, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30));
    if (token != null) {
      request.header("X-Auth-Token", token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
