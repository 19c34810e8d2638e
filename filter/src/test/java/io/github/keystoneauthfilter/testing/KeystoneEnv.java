package io.github.keystoneauthfilter.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * The real Keystone instances that {@code scripts/keystone.sh start} runs, as its {@code
 * keystone.env} describes them (in the directory named by the system property {@code
 * keystone.state.dir}), or the sites that {@code scripts/keystone.sh sites} runs (each its own
 * database, in the directory named by {@code keystone.sites.dir}); and token issuing against them.
 * For integration tests of the modules that use the filter.
 */
public final class KeystoneEnv {
  /**
   * System property naming a file to which every secret the tests obtain (tokens, application
   * credential secrets) is appended, one a line, for the scan of the test logs; unset, nothing is
   * recorded. Point it into the build's {@code target/}, never anywhere printed.
   */
  public static final String SECRETS_FILE_PROPERTY = "kaf.secrets.file";

  /**
   * System property naming the sites directory of {@code scripts/keystone.sh sites -o DIR} (default
   * {@value #DEFAULT_SITES_DIR}): Keystone sites that share nothing at run time, for tests that
   * stop a site or need a write to stay on one site.
   */
  public static final String SITES_DIR_PROPERTY = "keystone.sites.dir";

  /** Where {@code scripts/test.sh} starts the sites unless told otherwise. */
  public static final String DEFAULT_SITES_DIR = "/tmp/kaf-sites";

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Path stateDir;
  private final Properties env = new Properties();

  private KeystoneEnv(Path stateDir, String startCommand) throws IOException {
    this.stateDir = stateDir;
    Path file = stateDir.resolve("keystone.env");
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException(
          "no running Keystone: " + file + " is missing. Start it with: " + startCommand);
    }
    try (InputStream in = Files.newInputStream(file)) {
      env.load(in);
    }
  }

  /** The instances named by the system property {@code keystone.state.dir}. */
  public static KeystoneEnv fromSystemProperties() throws IOException {
    Path dir = Path.of(System.getProperty("keystone.state.dir", "/tmp/kaf-keystone"));
    return new KeystoneEnv(dir, "scripts/keystone.sh start -d " + dir);
  }

  /**
   * The sites named by the system property {@value #SITES_DIR_PROPERTY}: instance {@code i} is site
   * {@code i}, with its own copy of the database and the same Fernet keys.
   */
  public static KeystoneEnv sitesFromSystemProperties() throws IOException {
    return sites(Path.of(System.getProperty(SITES_DIR_PROPERTY, DEFAULT_SITES_DIR)));
  }

  /** The sites of sites directory {@code dir} ({@code keystone.sh sites -o dir}). */
  public static KeystoneEnv sites(Path dir) throws IOException {
    KeystoneEnv sites =
        new KeystoneEnv(
            dir,
            "scripts/keystone.sh sites -o "
                + dir
                + " (scripts/test.sh does), after scripts/keystone.sh start");
    if (sites.env.getProperty("KEYSTONE_SITE_DIR_1") == null) {
      throw new IllegalStateException(
          dir + "/keystone.env is not a sites directory's (no KEYSTONE_SITE_DIR_1)");
    }
    return sites;
  }

  /** The state directory. */
  public Path stateDir() {
    return stateDir;
  }

  /** A copy of every keystone.env value. */
  public Properties properties() {
    Properties copy = new Properties();
    copy.putAll(env);
    return copy;
  }

  /** A keystone.env value, such as {@code KEYSTONE_URL_1} or {@code KEYSTONE_SVC_PASSWORD}. */
  public String get(String key) {
    return Objects.requireNonNull(env.getProperty(key), () -> key + " is missing in keystone.env");
  }

  /** Instance {@code i}'s URL, 1-based, e.g. {@code http://127.0.0.1:5000/v3}. */
  public String url(int i) {
    return get("KEYSTONE_URL_" + i);
  }

  /** What the filter sends in {@code WWW-Authenticate} for instance 1 as its first auth_url. */
  public String wwwAuthenticate() {
    return "Keystone uri=\"" + url(1).replaceFirst("/v3$", "") + "\"";
  }

  /**
   * A new project-scoped token for one of keystone.env's users, issued on instance 1.
   *
   * @param who {@code DEMO}, {@code ADMIN} or {@code SVC}
   */
  public String token(String who) throws IOException, InterruptedException {
    return token(
        1,
        get("KEYSTONE_" + who + "_USER"),
        get("KEYSTONE_" + who + "_PASSWORD"),
        "{\"project\":{\"name\":\""
            + get("KEYSTONE_" + who + "_PROJECT")
            + "\",\"domain\":{\"id\":\"default\"}}}");
  }

  /** A new token for {@code user} (domain Default) issued on instance {@code i} with this scope. */
  public String token(int i, String user, String password, String scopeJson)
      throws IOException, InterruptedException {
    String body =
        "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\""
            + user
            + "\",\"domain\":{\"id\":\"default\"},\"password\":\""
            + password
            + "\"}}},\"scope\":"
            + scopeJson
            + "}}";
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url(i) + "/auth/tokens?nocatalog"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IllegalStateException(
          "token issue for " + user + " on " + url(i) + " answered " + response.statusCode());
    }
    return record(response.headers().firstValue("X-Subject-Token").orElseThrow());
  }

  /**
   * Appends {@code secret} to the file named by {@link #SECRETS_FILE_PROPERTY}, if set, and returns
   * it.
   */
  public static synchronized String record(String secret) {
    String file = System.getProperty(SECRETS_FILE_PROPERTY);
    if (file != null && !file.isEmpty()) {
      try {
        Path path = Path.of(file);
        Files.createDirectories(path.toAbsolutePath().getParent());
        Files.writeString(
            path,
            secret + "\n",
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new IllegalStateException("cannot record a secret for the log scan in " + file, e);
      }
    }
    return secret;
  }
}
