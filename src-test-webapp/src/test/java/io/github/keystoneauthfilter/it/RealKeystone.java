package io.github.keystoneauthfilter.it;

import io.github.keystoneauthfilter.testing.KeystoneEnv;
import java.io.IOException;
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
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The real Keystone instances that {@code scripts/keystone.sh start} runs (one database, shared
 * Fernet keys), or the sites that {@code scripts/keystone.sh sites} runs (each its own copy of the
 * database, the same Fernet keys), read from the {@code keystone.env} of their directory; and the
 * script's process controls (kill, pause, resume, restart), which act by pid on processes the
 * script started. Tests that stop, hang or cut off an instance use {@link #sites()}: instances that
 * share a database file stall each other when one is paused holding its lock.
 */
final class RealKeystone {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  final Path stateDir;
  final Path repoRoot;
  final Properties env;
  private final KeystoneEnv keystoneEnv;

  private RealKeystone(KeystoneEnv keystoneEnv, Path repoRoot) {
    this.keystoneEnv = keystoneEnv;
    this.stateDir = keystoneEnv.stateDir();
    this.repoRoot = repoRoot;
    this.env = keystoneEnv.properties();
  }

  /** The instances named by the system property {@code keystone.state.dir}. */
  static RealKeystone fromSystemProperties() throws IOException {
    return new RealKeystone(KeystoneEnv.fromSystemProperties(), repoRoot());
  }

  /**
   * The sites named by the system property {@code keystone.sites.dir} (default {@code
   * /tmp/kaf-sites}), which share nothing at run time: instance {@code i} is site {@code i}.
   */
  static RealKeystone sites() throws IOException {
    return new RealKeystone(KeystoneEnv.sitesFromSystemProperties(), repoRoot());
  }

  /** The sites of sites directory {@code dir}: instance {@code i} is site {@code i}. */
  static RealKeystone sites(Path dir) throws IOException {
    return new RealKeystone(KeystoneEnv.sites(dir), repoRoot());
  }

  /** The checkout's root: the nearest folder up from here holding scripts/keystone.sh. */
  static Path repoRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("scripts/keystone.sh"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "scripts/keystone.sh not found above " + Path.of("").toAbsolutePath());
  }

  int instances() {
    return Integer.parseInt(env.getProperty("KEYSTONE_INSTANCES"));
  }

  /** A keystone.env value; fails naming the key (and the start option) when it is missing. */
  String required(String key, String startedWith) {
    String value = env.getProperty(key);
    if (value == null) {
      throw new IllegalStateException(
          key
              + " is missing in "
              + stateDir
              + "/keystone.env: start the sites with "
              + startedWith
              + " (scripts/test.sh does)");
    }
    return value;
  }

  /** The site whose tokens expire after seconds ({@code keystone.sh sites --expiring S}). */
  int expiringSite() {
    return Integer.parseInt(required("KEYSTONE_EXPIRING_SITE", "--expiring S"));
  }

  /** Keystone's {@code [token] expiration} at site {@code i}. */
  Duration tokenLifetime(int i) {
    return Duration.ofSeconds(Long.parseLong(required("KEYSTONE_TOKEN_EXPIRATION_" + i, "sites")));
  }

  /** Site {@code i}'s HTTPS URL ({@code keystone.sh sites --tls-base-port P}). */
  String tlsUrl(int i) {
    return required("KEYSTONE_TLS_URL_" + i, "--tls-base-port P");
  }

  /** The throw-away CA that signed the sites' HTTPS certificate. */
  Path tlsCafile() {
    return Path.of(required("KEYSTONE_TLS_CAFILE", "--tls-base-port P"));
  }

  /** The state directory holding instance {@code i}'s logs: a site's own, or this one. */
  private Path instanceDir(int i) {
    String site = env.getProperty("KEYSTONE_SITE_DIR_" + i);
    return site == null ? stateDir : Path.of(site);
  }

  /** Instance {@code i}'s URL, 1-based, e.g. {@code http://127.0.0.1:5000/v3}. */
  String url(int i) {
    return env.getProperty("KEYSTONE_URL_" + i);
  }

  int port(int i) {
    return URI.create(url(i)).getPort();
  }

  /** Filter settings for the service user, validating against these instances in this order. */
  Properties filterConfig(int... order) {
    List<String> urls = new ArrayList<>();
    for (int i : order) {
      urls.add(url(i));
    }
    Properties p = new Properties();
    p.setProperty("auth_url", String.join(",", urls));
    p.setProperty("username", env.getProperty("KEYSTONE_SVC_USER"));
    p.setProperty("password", env.getProperty("KEYSTONE_SVC_PASSWORD"));
    p.setProperty("project_name", env.getProperty("KEYSTONE_SVC_PROJECT"));
    p.setProperty("www_authenticate_uri", "http://127.0.0.1:" + port(order[0]));
    return p;
  }

  /** A new demo-user token issued on instance {@code i}. */
  String demoToken(int i) throws IOException, InterruptedException {
    return token(
        i,
        env.getProperty("KEYSTONE_DEMO_USER"),
        env.getProperty("KEYSTONE_DEMO_PASSWORD"),
        env.getProperty("KEYSTONE_DEMO_PROJECT"));
  }

  /** A new project-scoped token issued on instance {@code i}. */
  String token(int i, String user, String password, String project)
      throws IOException, InterruptedException {
    return scopedToken(
        i,
        user,
        password,
        "{\"project\":{\"name\":\"" + project + "\",\"domain\":{\"id\":\"default\"}}}");
  }

  /** A new token issued on instance {@code i} with this {@code scope} JSON object. */
  String scopedToken(int i, String user, String password, String scope)
      throws IOException, InterruptedException {
    return keystoneEnv.token(i, user, password, scope);
  }

  /** What Keystone itself says about a token ({@code GET /v3/auth/tokens}, the token's own). */
  String validateDirectly(int i, String token) throws IOException, InterruptedException {
    HttpResponse<String> response = validation(i, token, token);
    if (response.statusCode() != 200) {
      throw new IllegalStateException("direct validation answered " + response.statusCode());
    }
    return response.body();
  }

  /**
   * Instance {@code i}'s answer (200, 404, ...) to validating {@code subject} with {@code caller}
   * as X-Auth-Token.
   */
  int validationStatus(int i, String caller, String subject)
      throws IOException, InterruptedException {
    return validation(i, caller, subject).statusCode();
  }

  private HttpResponse<String> validation(int i, String caller, String subject)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url(i) + "/auth/tokens"))
            .timeout(Duration.ofSeconds(30))
            .header("X-Auth-Token", caller)
            .header("X-Subject-Token", subject)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A new token of the service user ({@code KEYSTONE_SVC_*}) issued on instance {@code i}. */
  String serviceToken(int i) throws IOException, InterruptedException {
    return token(
        i,
        env.getProperty("KEYSTONE_SVC_USER"),
        env.getProperty("KEYSTONE_SVC_PASSWORD"),
        env.getProperty("KEYSTONE_SVC_PROJECT"));
  }

  /**
   * Makes sure instance {@code i}'s catalog has a service of {@code type} with a public endpoint
   * (Keystone lists only services that have endpoints), acting as the admin user.
   */
  void ensureCatalogService(int i, String type) throws IOException, InterruptedException {
    String admin =
        token(
            i,
            env.getProperty("KEYSTONE_ADMIN_USER"),
            env.getProperty("KEYSTONE_ADMIN_PASSWORD"),
            env.getProperty("KEYSTONE_ADMIN_PROJECT"));
    var services =
        Webapp.JSON.readTree(expect(200, get(i, admin, "/services?type=" + type))).get("services");
    String serviceId;
    if (services.isEmpty()) {
      String created =
          expect(
              201,
              post(
                  i,
                  admin,
                  "/services",
                  "{\"service\":{\"type\":\"" + type + "\",\"name\":\"" + type + "\"}}"));
      serviceId = Webapp.JSON.readTree(created).at("/service/id").asText();
    } else {
      serviceId = services.get(0).get("id").asText();
    }
    var endpoints =
        Webapp.JSON
            .readTree(
                expect(200, get(i, admin, "/endpoints?interface=public&service_id=" + serviceId)))
            .get("endpoints");
    if (endpoints.isEmpty()) {
      expect(
          201,
          post(
              i,
              admin,
              "/endpoints",
              "{\"endpoint\":{\"service_id\":\""
                  + serviceId
                  + "\",\"interface\":\"public\",\"region_id\":\"RegionOne\","
                  + "\"url\":\"http://127.0.0.1:9/"
                  + type
                  + "\"}}"));
    }
  }

  /**
   * Creates, on instance {@code i}, an application credential of the demo user restricted by {@code
   * accessRulesJson} (a JSON array of {@code {"service", "method", "path"}}) and returns a token
   * issued with it (auth method {@code application_credential}, catalog included).
   */
  String demoAccessRulesToken(int i, String accessRulesJson)
      throws IOException, InterruptedException {
    String demo = demoToken(i);
    String userId = Webapp.JSON.readTree(validateDirectly(i, demo)).at("/token/user/id").asText();
    String created =
        expect(
            201,
            post(
                i,
                demo,
                "/users/" + userId + "/application_credentials",
                "{\"application_credential\":{\"name\":\"kaf-it-rules-"
                    + System.nanoTime()
                    + "\",\"access_rules\":"
                    + accessRulesJson
                    + "}}"));
    var credential = Webapp.JSON.readTree(created).get("application_credential");
    String id = credential.get("id").asText();
    String secret = KeystoneEnv.record(credential.get("secret").asText());
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url(i) + "/auth/tokens"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"auth\":{\"identity\":{\"methods\":[\"application_credential\"],"
                            + "\"application_credential\":{\"id\":\""
                            + id
                            + "\",\"secret\":\""
                            + secret
                            + "\"}}}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IllegalStateException(
          "application credential login on " + url(i) + " answered " + response.statusCode());
    }
    return KeystoneEnv.record(response.headers().firstValue("X-Subject-Token").orElseThrow());
  }

  private HttpResponse<String> get(int i, String token, String path)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url(i) + path))
            .timeout(Duration.ofSeconds(30))
            .header("X-Auth-Token", token)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(int i, String token, String path, String json)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url(i) + path))
            .timeout(Duration.ofSeconds(30))
            .header("X-Auth-Token", token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The body of {@code response}; fails naming the request when the status is another. */
  private static String expect(int status, HttpResponse<String> response) {
    if (response.statusCode() != status) {
      throw new IllegalStateException(
          response.request().method()
              + " "
              + response.request().uri().getPath()
              + " answered "
              + response.statusCode()
              + ", expected "
              + status);
    }
    return response.body();
  }

  /** Revokes a token with itself (Keystone lets a token's own user revoke it). */
  void revoke(int i, String token) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url(i) + "/auth/tokens"))
                .timeout(Duration.ofSeconds(30))
                .header("X-Auth-Token", token)
                .header("X-Subject-Token", token)
                .DELETE()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 204) {
      throw new IllegalStateException("revocation answered " + response.statusCode());
    }
  }

  /**
   * Gives {@code user} the role {@code role} on the Default domain (idempotent), acting as the
   * admin user with a system-scoped token.
   */
  void grantDomainRole(String user, String role) throws IOException, InterruptedException {
    String admin =
        scopedToken(
            1,
            env.getProperty("KEYSTONE_ADMIN_USER"),
            env.getProperty("KEYSTONE_ADMIN_PASSWORD"),
            "{\"system\":{\"all\":true}}");
    String userId = lookupId(admin, "/users?name=" + user, "users");
    String roleId = lookupId(admin, "/roles?name=" + role, "roles");
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(url(1) + "/domains/default/users/" + userId + "/roles/" + roleId))
                .timeout(Duration.ofSeconds(30))
                .header("X-Auth-Token", admin)
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 204) {
      throw new IllegalStateException("role assignment answered " + response.statusCode());
    }
  }

  private String lookupId(String adminToken, String query, String collection)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url(1) + query))
                .timeout(Duration.ofSeconds(30))
                .header("X-Auth-Token", adminToken)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    var list = Webapp.JSON.readTree(response.body()).get(collection);
    if (response.statusCode() != 200 || list == null || list.isEmpty()) {
      throw new IllegalStateException(query + " answered " + response.statusCode());
    }
    return list.get(0).get("id").asText();
  }

  /**
   * Creates an application credential for the service user (with its roles) and returns its id and
   * secret.
   */
  String[] serviceApplicationCredential() throws IOException, InterruptedException {
    String token =
        token(
            1,
            env.getProperty("KEYSTONE_SVC_USER"),
            env.getProperty("KEYSTONE_SVC_PASSWORD"),
            env.getProperty("KEYSTONE_SVC_PROJECT"));
    String userId = Webapp.JSON.readTree(validateDirectly(1, token)).at("/token/user/id").asText();
    String body = "{\"application_credential\":{\"name\":\"kaf-it-" + System.nanoTime() + "\"}}";
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(url(1) + "/users/" + userId + "/application_credentials"))
                .timeout(Duration.ofSeconds(30))
                .header("X-Auth-Token", token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IllegalStateException(
          "application credential creation answered " + response.statusCode());
    }
    var credential = Webapp.JSON.readTree(response.body()).get("application_credential");
    return new String[] {
      credential.get("id").asText(), KeystoneEnv.record(credential.get("secret").asText())
    };
  }

  /** Starts the keystonemiddleware peer (auth_token + echo app under uWSGI) on {@code port}. */
  void startKeystonemiddleware(int port, boolean delayAuthDecision)
      throws IOException, InterruptedException {
    run(
        Map.of("KMW_DELAY_AUTH_DECISION", Boolean.toString(delayAuthDecision)),
        "kmw-peer",
        "-p",
        Integer.toString(port),
        "-k",
        "1");
  }

  /**
   * Starts the keystonemiddleware peer on {@code port} with these settings of
   * start-keystonemiddleware-peer.sh (e.g. {@code KMW_MEMCACHED_SERVERS}).
   */
  void startKeystonemiddleware(int port, Map<String, String> settings)
      throws IOException, InterruptedException {
    run(settings, "kmw-peer", "-p", Integer.toString(port), "-k", "1");
  }

  /** Stops every keystonemiddleware peer of this state directory (not Keystone). */
  void stopKeystonemiddleware() throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(
                "bash",
                repoRoot.resolve("scripts/keystone/stop-keystone.sh").toString(),
                "-d",
                stateDir.toString(),
                "--only",
                "kmw")
            .inheritIO()
            .start();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException("stopping the keystonemiddleware peers failed");
    }
  }

  void kill(int i) throws IOException, InterruptedException {
    script("kill", Integer.toString(i));
  }

  void pause(int i) throws IOException, InterruptedException {
    script("pause", Integer.toString(i));
  }

  void resume(int i) throws IOException, InterruptedException {
    script("resume", Integer.toString(i));
  }

  void restart(int i) throws IOException, InterruptedException {
    script("restart", Integer.toString(i));
  }

  /** Lines of instance {@code i}'s uWSGI request log that are token validations. */
  long validationsLogged(int i) throws IOException {
    Path log = instanceDir(i).resolve("log").resolve("keystone-" + port(i) + ".uwsgi.log");
    try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
      return lines.filter(line -> line.contains("GET /v3/auth/tokens")).count();
    }
  }

  private void script(String... args) throws IOException, InterruptedException {
    run(Map.of(), args);
  }

  private void run(Map<String, String> environment, String... args)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(List.of("bash", repoRoot.resolve("scripts/keystone.sh").toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("-d", stateDir.toString()));
    ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
    builder.environment().putAll(environment);
    Process process = builder.start();
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("timed out: " + command);
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException(command + " exited " + process.exitValue());
    }
  }
}
