package io.github.keystoneauthfilter.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.testwebapp.TestWebapp;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The test webapp started in this JVM on a free port, and a client for it. */
final class Webapp implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Server server;
  private final URI base;

  private Webapp(Server server) {
    this.server = server;
    this.base =
        URI.create(
            "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort());
  }

  /**
   * Starts the webapp with the filter configured by {@code config}, endpoints and metrics pages
   * exposed.
   */
  static Webapp start(Properties config) throws Exception {
    return start(config, true);
  }

  /** Starts the webapp, endpoints page exposed, metrics page only if {@code exposeMetrics}. */
  static Webapp start(Properties config, boolean exposeMetrics) throws Exception {
    Path file = Files.createTempFile("filter", ".properties");
    try (OutputStream out = Files.newOutputStream(file)) {
      config.store(out, "integration test");
    }
    return new Webapp(TestWebapp.start(new TestWebapp.Options(0, file, true, exposeMetrics)));
  }

  URI base() {
    return base;
  }

  /**
   * Sets Jetty's request header size for connections opened from now on (Jetty's default: 8 KiB).
   */
  void requestHeaderSize(int bytes) {
    ((ServerConnector) server.getConnectors()[0])
        .getConnectionFactory(HttpConnectionFactory.class)
        .getHttpConfiguration()
        .setRequestHeaderSize(bytes);
  }

  /** GET {@code path} with these request headers. */
  HttpResponse<String> get(String path, Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
    headers.forEach(request::header);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> getWithToken(String path, String token)
      throws IOException, InterruptedException {
    return get(path, Map.of("X-Auth-Token", token));
  }

  /** The echo servlet's view of the headers: name to first value. */
  static JsonNode echoedHeaders(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body()).get("headers");
  }

  /** The value the app saw for a header (any case), or null. */
  static String seen(HttpResponse<String> response, String name) throws IOException {
    JsonNode headers = echoedHeaders(response);
    var names = headers.fieldNames();
    while (names.hasNext()) {
      String candidate = names.next();
      if (candidate.equalsIgnoreCase(name)) {
        return headers.get(candidate).get(0).asText();
      }
    }
    return null;
  }

  /** {@code GET /_keystone/endpoints}: each endpoint's breaker state and counters. */
  JsonNode endpoints() throws IOException, InterruptedException {
    return JSON.readTree(get("/_keystone/endpoints", Map.of()).body()).get("endpoints");
  }

  /** The filter instance serving this webapp (it runs in this JVM). */
  KeystoneAuthFilter filter() {
    ServletContextHandler context = server.getDescendant(ServletContextHandler.class);
    return (KeystoneAuthFilter)
        context.getServletContext().getAttribute(KeystoneAuthFilter.CONTEXT_ATTRIBUTE);
  }

  /** {@code GET /_keystone/metrics}: the filter's metrics snapshot. */
  JsonNode metrics() throws IOException, InterruptedException {
    return JSON.readTree(get("/_keystone/metrics", Map.of()).body());
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("could not stop the test webapp", e);
    }
  }
}
