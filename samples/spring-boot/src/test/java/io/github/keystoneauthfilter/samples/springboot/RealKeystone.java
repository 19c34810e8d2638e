package io.github.keystoneauthfilter.samples.springboot;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * The real Keystone instances that {@code scripts/keystone.sh start} runs, read from the {@code
 * keystone.env} in the directory named by the system property {@code keystone.state.dir}.
 */
final class RealKeystone {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Properties env = new Properties();

  private RealKeystone(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException(
          file + " is missing: start Keystone with scripts/keystone.sh start");
    }
    try (InputStream in = Files.newInputStream(file)) {
      env.load(in);
    }
  }

  static RealKeystone fromSystemProperties() throws IOException {
    String dir = System.getProperty("keystone.state.dir", "/tmp/kaf-keystone");
    return new RealKeystone(Path.of(dir, "keystone.env"));
  }

  /** A keystone.env value, such as {@code KEYSTONE_URLS} or {@code KEYSTONE_SVC_PASSWORD}. */
  String get(String key) {
    return Objects.requireNonNull(env.getProperty(key), () -> key + " is missing in keystone.env");
  }

  /** What the filter sends in {@code WWW-Authenticate}: the first URL without {@code /v3}. */
  String wwwAuthenticate() {
    return "Keystone uri=\"" + get("KEYSTONE_URL_1").replaceFirst("/v3$", "") + "\"";
  }

  /** A new project-scoped token for {@code DEMO} or {@code ADMIN}'s user, issued on site 1. */
  String token(String who) throws IOException, InterruptedException {
    String body =
        "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\""
            + get("KEYSTONE_" + who + "_USER")
            + "\",\"domain\":{\"id\":\"default\"},\"password\":\""
            + get("KEYSTONE_" + who + "_PASSWORD")
            + "\"}}},\"scope\":{\"project\":{\"name\":\""
            + get("KEYSTONE_" + who + "_PROJECT")
            + "\",\"domain\":{\"id\":\"default\"}}}}}";
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(get("KEYSTONE_URL_1") + "/auth/tokens?nocatalog"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IllegalStateException("token for " + who + " answered " + response.statusCode());
    }
    return response.headers().firstValue("X-Subject-Token").orElseThrow();
  }
}
