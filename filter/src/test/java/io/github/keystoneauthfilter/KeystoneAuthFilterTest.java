package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.metrics.EndpointStatus;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.Fault;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole filter in a servlet container (embedded Jetty) in front of an app that records what it
 * saw, against two fake Keystone sites.
 */
class KeystoneAuthFilterTest {
  private static final String UNAUTHORIZED_BODY =
      "{\"error\": {\"code\": 401, \"title\": \"Unauthorized\", \"message\":"
          + " \"The request you have made requires authentication.\"}}";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Logger filterLogger = Logger.getLogger("io.github.keystoneauthfilter");
  private final List<LogRecord> logs = Collections.synchronizedList(new ArrayList<>());
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          logs.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  private FakeKeystone site1;
  private FakeKeystone site2;
  private Server server;
  private URI base;
  private final List<String> issued = new ArrayList<>();

  @BeforeEach
  void sites() {
    site1 = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
    site2 = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
    filterLogger.setLevel(Level.ALL);
    filterLogger.addHandler(capture);
  }

  @AfterEach
  void stop() throws Exception {
    filterLogger.removeHandler(capture);
    filterLogger.setLevel(null);
    if (server != null) {
      server.stop();
    }
    site1.close();
    site2.close();
    for (LogRecord record : logs) {
      String text = record.getMessage() + " " + java.util.Arrays.toString(record.getParameters());
      if (record.getThrown() != null) {
        text += " " + record.getThrown();
      }
      for (String token : issued) {
        assertFalse(text.contains(token), "a token reached a log line: " + record.getMessage());
      }
      assertFalse(text.contains("svc-pass"), "the password reached a log line");
    }
  }

  /** Starts the filter with these init-params (plus credentials and both sites in order). */
  private void startFilter(Map<String, String> params) throws Exception {
    server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(64 * 1024); // so that the filter's own token limit is what refuses
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    FilterHolder filter = new FilterHolder(KeystoneAuthFilter.class);
    filter.setInitParameter("auth_url", site1.uri() + "/v3," + site2.uri());
    filter.setInitParameter("username", "svc");
    filter.setInitParameter("password", "svc-pass");
    filter.setInitParameter("project_name", "service");
    filter.setInitParameter("http_request_timeout", "0.5");
    filter.setInitParameter("http_connect_timeout", "0.5");
    params.forEach(filter::setInitParameter);
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(new ServletHolder(new RecordingApp()), "/*");
    server.setHandler(context);
    server.start();
    base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
  }

  private String issue(KeystoneTokenFixture fixture) {
    String token = site1.issue(fixture);
    site2.register(token, fixture);
    issued.add(token);
    return token;
  }

  private HttpResponse<String> get(String... headers) throws Exception {
    return send("GET", "/app", headers);
  }

  private HttpResponse<String> send(String method, String path, String... headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The headers the app saw, one "name: value" line each, sorted by lower-case name. */
  private static Map<String, String> seen(HttpResponse<String> response) {
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String line : response.body().split("\n")) {
      int colon = line.indexOf(": ");
      if (colon > 0) {
        headers.merge(line.substring(0, colon), line.substring(colon + 2), (a, b) -> a + "|" + b);
      }
    }
    return headers;
  }

  @Test
  void requestWhenTokenValidThenAppSeesIdentityHeadersAndAttribute() throws Exception {
    startFilter(Map.of());
    KeystoneTokenFixture fixture = KeystoneTokenFixture.create().roles("member", "reader");
    String token = issue(fixture);

    HttpResponse<String> response = get("X-Auth-Token", token);

    assertEquals(200, response.statusCode());
    Map<String, String> seen = seen(response);
    assertEquals("Confirmed", seen.get("X-Identity-Status"));
    assertEquals(fixture.userId(), seen.get("X-User-Id"));
    assertEquals(fixture.projectId(), seen.get("X-Project-Id"));
    assertEquals("member,reader", seen.get("X-Roles"));
    assertEquals(fixture.userId(), seen.get("attribute-user-id"));
    assertEquals(1, site1.validations());
    assertEquals(0, site2.validations());
  }

  @Test
  void requestWhenSameTokenAgainThenServedFromCacheWithoutKeystone() throws Exception {
    startFilter(Map.of());
    String token = issue(KeystoneTokenFixture.create());

    assertEquals(200, get("X-Auth-Token", token).statusCode());
    assertEquals(200, get("X-Auth-Token", " " + token + " ").statusCode());

    assertEquals(1, site1.validations());
  }

  @Test
  void requestWhenCacheDisabledThenEveryRequestAsksKeystone() throws Exception {
    startFilter(Map.of("token_cache_time", "-1"));
    String token = issue(KeystoneTokenFixture.create());

    get("X-Auth-Token", token);
    get("X-Auth-Token", token);

    assertEquals(2, site1.validations());
  }

  @Test
  void requestWhenOnlyStorageTokenThenItIsUsed() throws Exception {
    startFilter(Map.of());
    String token = issue(KeystoneTokenFixture.create());

    assertEquals(200, get("X-Storage-Token", token).statusCode());
  }

  @Test
  void requestWhenEmptyAuthTokenThenStorageTokenIsHiddenAnd401() throws Exception {
    startFilter(Map.of());
    String token = issue(KeystoneTokenFixture.create());

    HttpResponse<String> response = get("X-Auth-Token", "", "X-Storage-Token", token);

    assertEquals(401, response.statusCode());
    assertEquals(0, site1.validations());
  }

  @Test
  void requestWhenTokenUnknownThen401WithKeystonemiddlewaresBodyAndChallenge() throws Exception {
    startFilter(Map.of("www_authenticate_uri", "https://keystone.example.com:5000"));

    HttpResponse<String> response = get("X-Auth-Token", "gAAAAAunknown");

    assertEquals(401, response.statusCode());
    assertEquals(UNAUTHORIZED_BODY, response.body());
    assertEquals(
        "Keystone uri=\"https://keystone.example.com:5000\"",
        response.headers().firstValue("WWW-Authenticate").orElseThrow());
    assertEquals(1, site1.validations());
    assertEquals(0, site2.validations(), "a 404 is final: the next site is not asked");
  }

  @Test
  void requestWhenNoTokenThen401ChallengingTheFirstAuthUrlByDefault() throws Exception {
    startFilter(Map.of());

    HttpResponse<String> response = get();

    assertEquals(401, response.statusCode());
    assertEquals(
        "Keystone uri=\"" + site1.uri() + "\"",
        response.headers().firstValue("WWW-Authenticate").orElseThrow());
  }

  @Test
  void requestWhenTokenExpiredThen401() throws Exception {
    startFilter(Map.of());
    String token =
        issue(KeystoneTokenFixture.create().expiresAt(java.time.Instant.now().minusSeconds(5)));

    assertEquals(401, get("X-Auth-Token", token).statusCode());
  }

  @Test
  void requestWhenTokenHasInnerSpaceOrIsTooLongThen401WithoutAskingKeystone() throws Exception {
    startFilter(Map.of());

    assertEquals(401, get("X-Auth-Token", "abc def").statusCode());
    assertEquals(401, get("X-Auth-Token", "x".repeat(8193)).statusCode());
    assertEquals(401, get("X-Auth-Token", "x".repeat(40_000)).statusCode());

    assertEquals(0, site1.validations());
  }

  @Test
  void requestWhenPrimaryRefusesThenSecondSiteAnswers() throws Exception {
    startFilter(Map.of());
    String token = issue(KeystoneTokenFixture.create());
    site1.fault(Fault.refuse());

    HttpResponse<String> response = get("X-Auth-Token", token);

    assertEquals(200, response.statusCode());
    assertEquals(1, site2.validations());
  }

  @Test
  void requestWhenPrimaryHangsThenSecondSiteAnswersWithinTheTimeout() throws Exception {
    startFilter(Map.of());
    String token = issue(KeystoneTokenFixture.create());
    get("X-Auth-Token", issue(KeystoneTokenFixture.create())); // logged in at site1
    assertEquals(1, site1.validations());
    site1.fault(Fault.hang());

    long start = System.nanoTime();
    HttpResponse<String> response = get("X-Auth-Token", token);
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

    assertEquals(200, response.statusCode());
    assertEquals(2, site1.validations(), "site1 was asked first");
    assertEquals(1, site2.validations());
    // site1 holds the call up to FakeKeystone.MAX_HANG (60 s) and failover_deadline is 10 s: an
    // answer within 10 times http_request_timeout (0.5 s) shows that timeout cut site1 off.
    assertTrue(elapsed.compareTo(Duration.ofSeconds(5)) < 0, "answered after " + elapsed);
    site1.fault(Fault.none());
  }

  @Test
  void requestWhenEverySiteFailsThen503WithRetryAfterAndJsonBody() throws Exception {
    startFilter(Map.of("failover_failure_threshold", "1", "failover_open_seconds", "30"));
    String token = issue(KeystoneTokenFixture.create());
    site1.fault(Fault.status(500));
    site2.fault(Fault.garbage());

    HttpResponse<String> response = get("X-Auth-Token", token, "Accept", "application/json");

    assertEquals(503, response.statusCode());
    assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
    assertTrue(response.body().contains("The Keystone service is temporarily unavailable."));
    long retryAfter = Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retryAfter >= 20 && retryAfter <= 30, "Retry-After " + retryAfter);
  }

  @Test
  void requestWhenEveryBreakerOpenThen503WithoutCallingKeystoneButCachedTokensStillPass()
      throws Exception {
    startFilter(Map.of("failover_failure_threshold", "1", "failover_open_seconds", "30"));
    String cached = issue(KeystoneTokenFixture.create());
    assertEquals(200, get("X-Auth-Token", cached).statusCode());
    site1.fault(Fault.status(503));
    site2.fault(Fault.status(503));
    assertEquals(503, get("X-Auth-Token", issue(KeystoneTokenFixture.create())).statusCode());
    int before = site1.validations() + site2.validations();

    assertEquals(503, get("X-Auth-Token", issue(KeystoneTokenFixture.create())).statusCode());
    assertEquals(200, get("X-Auth-Token", cached).statusCode());

    assertEquals(before, site1.validations() + site2.validations());
    KeystoneAuthFilter filter =
        (KeystoneAuthFilter)
            ((ServletContextHandler) server.getHandler())
                .getServletContext()
                .getAttribute(KeystoneAuthFilter.CONTEXT_ATTRIBUTE);
    for (EndpointStatus status : filter.endpointStatuses()) {
      assertEquals("OPEN", status.state());
    }
  }

  @Test
  void requestWhenKeystoneDownAndNoJsonAcceptedThen503InPlainText() throws Exception {
    startFilter(Map.of());
    site1.fault(Fault.refuse());
    site2.fault(Fault.refuse());

    HttpResponse<String> response = get("X-Auth-Token", issue(KeystoneTokenFixture.create()));

    assertEquals(503, response.statusCode());
    assertTrue(
        response.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
    assertEquals(
        "503 Service Unavailable\n\nThe Keystone service is temporarily unavailable.\n",
        response.body());
  }

  @Test
  void requestWhenAppAnswers401ThenKeystoneChallengeIsAddedBesideTheAppsOwn() throws Exception {
    startFilter(Map.of());

    HttpResponse<String> response =
        send("GET", "/own401", "X-Auth-Token", issue(KeystoneTokenFixture.create()));

    assertEquals(401, response.statusCode());
    List<String> challenges = response.headers().allValues("WWW-Authenticate");
    assertTrue(challenges.contains("Basic realm=\"app\""), challenges.toString());
    assertTrue(challenges.contains("Keystone uri=\"" + site1.uri() + "\""), challenges.toString());
  }

  @Test
  void headWhenNoTokenThen401WithoutBody() throws Exception {
    startFilter(Map.of());

    HttpResponse<String> response = send("HEAD", "/app");

    assertEquals(401, response.statusCode());
    assertEquals("", response.body());
    assertTrue(response.headers().firstValue("WWW-Authenticate").isPresent());
  }

  @Test
  void requestWhenSameBadTokenTwiceThenKeystoneAskedOnceThanksToInvalidCache() throws Exception {
    startFilter(Map.of());

    assertEquals(401, get("X-Auth-Token", "gAAAAAbad").statusCode());
    assertEquals(401, get("X-Auth-Token", "gAAAAAbad").statusCode());

    assertEquals(1, site1.validations());
  }

  @Test
  void requestWhenInvalidCacheOffThenEveryBadTokenAsksKeystone() throws Exception {
    startFilter(Map.of("invalid_token_cache_time", "0"));

    get("X-Auth-Token", "gAAAAAbad");
    get("X-Auth-Token", "gAAAAAbad");

    assertEquals(2, site1.validations());
  }

  @Test
  void requestWhenPathExcludedThenPassesWithoutTokenButStillStripped() throws Exception {
    startFilter(Map.of("excluded_paths", "/health, /public/*"));

    HttpResponse<String> health = send("GET", "/health", "X-User-Id", "forged");
    HttpResponse<String> below = send("GET", "/public/docs/index.html");

    assertEquals(200, health.statusCode());
    assertNull(seen(health).get("X-User-Id"));
    assertNull(seen(health).get("X-Identity-Status"));
    assertEquals(200, below.statusCode());
    assertEquals(401, send("GET", "/healthz").statusCode());
    assertEquals(401, send("GET", "/health/x").statusCode());
    assertEquals(401, send("GET", "/publicity").statusCode());
    assertEquals(0, site1.validations());
  }

  @Test
  void requestWhenConfigFileNamedThenItsOptionsApplyAndInitParamsWin() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("filter", ".properties");
    java.nio.file.Files.writeString(
        file, "delay_auth_decision=true\nwww_authenticate_uri=https://from-file:5000\n");
    startFilter(
        Map.of("config_file", file.toString(), "www_authenticate_uri", "https://from-param:5000"));

    HttpResponse<String> response = send("GET", "/own401");

    assertEquals("Invalid", seen(response).get("X-Identity-Status"));
    assertTrue(
        response
            .headers()
            .allValues("WWW-Authenticate")
            .contains("Keystone uri=\"https://from-param:5000\""));
  }

  @Test
  void requestWhenUserAndServiceTokensValidThenBothConfirmedAndUserAskedWithAllowExpired()
      throws Exception {
    startFilter(Map.of());
    KeystoneTokenFixture serviceUser = KeystoneTokenFixture.create().roles("service");
    String user = issue(KeystoneTokenFixture.create());
    String service = issue(serviceUser);

    HttpResponse<String> response = get("X-Auth-Token", user, "X-Service-Token", service);

    assertEquals(200, response.statusCode());
    Map<String, String> seen = seen(response);
    assertEquals("Confirmed", seen.get("X-Identity-Status"));
    assertEquals("Confirmed", seen.get("X-Service-Identity-Status"));
    assertEquals(serviceUser.userId(), seen.get("X-Service-User-Id"));
    assertEquals(serviceUser.projectId(), seen.get("X-Service-Project-Id"));
    assertEquals("service", seen.get("X-Service-Roles"));
    assertEquals(serviceUser.userId(), seen.get("attribute-service-user-id"));
    assertTrue(
        site1.requests().stream()
            .anyMatch(
                r ->
                    user.equals(r.header("X-Subject-Token"))
                        && "1".equals(r.queryParameter("allow_expired"))));
  }

  @Test
  void requestWhenUserTokenExpiredButServiceTokenHasServiceRoleThenPasses() throws Exception {
    startFilter(Map.of());
    String expired =
        issue(KeystoneTokenFixture.create().expiresAt(java.time.Instant.now().minusSeconds(60)));
    String service = issue(KeystoneTokenFixture.create().roles("service"));

    assertEquals(200, get("X-Auth-Token", expired, "X-Service-Token", service).statusCode());
    assertEquals(401, get("X-Auth-Token", expired).statusCode());
  }

  @Test
  void requestWhenUserTokenExpiredAndServiceTokenLacksRoleThen401() throws Exception {
    startFilter(Map.of("service_token_roles_required", "false"));
    String expired =
        issue(KeystoneTokenFixture.create().expiresAt(java.time.Instant.now().minusSeconds(60)));
    String service = issue(KeystoneTokenFixture.create().roles("member"));

    assertEquals(401, get("X-Auth-Token", expired, "X-Service-Token", service).statusCode());
  }

  @Test
  void requestWhenServiceTokenLacksRoleThen401AndWithDelayServiceInvalidWithoutHeaders()
      throws Exception {
    startFilter(Map.of());
    String user = issue(KeystoneTokenFixture.create());
    String service = issue(KeystoneTokenFixture.create().roles("member"));
    assertEquals(401, get("X-Auth-Token", user, "X-Service-Token", service).statusCode());
    server.stop();

    startFilter(Map.of("delay_auth_decision", "true"));
    HttpResponse<String> delayed =
        get("X-Auth-Token", user, "X-Service-Token", service, "X-Service-Roles", "service");

    Map<String, String> seen = seen(delayed);
    assertEquals("Confirmed", seen.get("X-Identity-Status"));
    assertEquals("Invalid", seen.get("X-Service-Identity-Status"));
    assertNull(seen.get("X-Service-Roles"));
    assertNull(seen.get("X-Service-User-Id"));
  }

  @Test
  void requestWhenServiceRolesNotRequiredThenServiceTokenWithoutRoleIsConfirmed() throws Exception {
    startFilter(Map.of("service_token_roles_required", "false"));
    String user = issue(KeystoneTokenFixture.create());
    String service = issue(KeystoneTokenFixture.create().roles("member"));

    HttpResponse<String> response = get("X-Auth-Token", user, "X-Service-Token", service);

    assertEquals(200, response.statusCode());
    assertEquals("Confirmed", seen(response).get("X-Service-Identity-Status"));
  }

  @Test
  void requestWhenServiceTokenRolesConfiguredThenThoseRolesCount() throws Exception {
    startFilter(Map.of("service_token_roles", "nova, admin"));
    String user = issue(KeystoneTokenFixture.create());

    assertEquals(
        401,
        get(
                "X-Auth-Token",
                user,
                "X-Service-Token",
                issue(KeystoneTokenFixture.create().roles("service")))
            .statusCode());
    assertEquals(
        200,
        get(
                "X-Auth-Token",
                user,
                "X-Service-Token",
                issue(KeystoneTokenFixture.create().roles("admin")))
            .statusCode());
  }

  @Test
  void requestWhenServiceTokenInvalidThen401AndWithDelayUserStillConfirmed() throws Exception {
    startFilter(Map.of("delay_auth_decision", "true"));
    String user = issue(KeystoneTokenFixture.create());

    HttpResponse<String> response = get("X-Auth-Token", user, "X-Service-Token", "gAAAAAbad");

    Map<String, String> seen = seen(response);
    assertEquals("Confirmed", seen.get("X-Identity-Status"));
    assertEquals("Invalid", seen.get("X-Service-Identity-Status"));
    server.stop();
    startFilter(Map.of());
    assertEquals(401, get("X-Auth-Token", user, "X-Service-Token", "gAAAAAbad").statusCode());
  }

  @Test
  void requestWhenOnlyServiceTokenThen401AndWithDelayServiceHeadersButUserInvalid()
      throws Exception {
    startFilter(Map.of("delay_auth_decision", "true"));
    KeystoneTokenFixture serviceUser = KeystoneTokenFixture.create().roles("service");
    String service = issue(serviceUser);

    HttpResponse<String> response = get("X-Service-Token", service);

    Map<String, String> seen = seen(response);
    assertEquals("Invalid", seen.get("X-Identity-Status"));
    assertEquals("Confirmed", seen.get("X-Service-Identity-Status"));
    assertEquals(serviceUser.userId(), seen.get("X-Service-User-Id"));
    assertNull(seen.get("X-User-Id"));
    server.stop();
    startFilter(Map.of());
    assertEquals(401, get("X-Service-Token", service).statusCode());
  }

  @Test
  void requestWhenSystemScopedUserWithProjectServiceTokenThenSystemScopeKept() throws Exception {
    startFilter(Map.of());
    String user = issue(KeystoneTokenFixture.create().systemScope());
    String service = issue(KeystoneTokenFixture.create().roles("service"));

    HttpResponse<String> response = get("X-Auth-Token", user, "X-Service-Token", service);

    assertEquals("all", seen(response).get("OpenStack-System-Scope"));
  }

  @Test
  void requestWhenAccessRulesAllowThisRequestThenPassesElse401() throws Exception {
    startFilter(Map.of("service_type", "compute"));
    String token =
        issue(
            KeystoneTokenFixture.create()
                .addService(
                    "compute", "nova", KeystoneTokenFixture.endpoint("public", "R", "http://n"))
                .addAccessRule("compute", "GET", "/app"));

    assertEquals(200, get("X-Auth-Token", token).statusCode());
    assertEquals(401, send("GET", "/other", "X-Auth-Token", token).statusCode());
    assertEquals(401, send("DELETE", "/app", "X-Auth-Token", token).statusCode());
    assertEquals(1, site1.validations(), "the rules are checked on cache hits too");
  }

  @Test
  void requestWhenAccessRulesButNoServiceTypeThen401() throws Exception {
    startFilter(Map.of());
    String token =
        issue(
            KeystoneTokenFixture.create()
                .addService(
                    "compute", "nova", KeystoneTokenFixture.endpoint("public", "R", "http://n"))
                .addAccessRule("compute", "GET", "/app"));

    assertEquals(401, get("X-Auth-Token", token).statusCode());
  }

  @Test
  void requestWhenApplicationCredentialWithoutRulesThenPassesWithoutServiceType() throws Exception {
    startFilter(Map.of());
    String token = issue(KeystoneTokenFixture.create().applicationCredential("id", "name"));

    assertEquals(200, get("X-Auth-Token", token).statusCode());
  }

  @Test
  void requestWhenTooManyValidationsInFlightThenFast503WithRetryAfter() throws Exception {
    startFilter(
        Map.of(
            "max_concurrent_validations", "1",
            "http_request_timeout", "20",
            "failover_deadline", "20"));
    get("X-Auth-Token", issue(KeystoneTokenFixture.create())); // logged in
    site1.fault(Fault.hang()); // the next validation holds the only permit until released
    String slow = issue(KeystoneTokenFixture.create());
    java.util.concurrent.CompletableFuture<HttpResponse<String>> first =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return get("X-Auth-Token", slow);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (site1.validations() < 2 && System.nanoTime() < end) {
      Thread.sleep(10); // FakeKeystone has no arrival hook: poll its counter, bounded
    }
    assertEquals(2, site1.validations(), "the first validation is parked at site1");

    long start = System.nanoTime();
    HttpResponse<String> refused = get("X-Auth-Token", issue(KeystoneTokenFixture.create()));
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    site1.fault(Fault.none()); // releases the first validation

    assertEquals(503, refused.statusCode());
    // The blocked validation may take up to 20 s (http_request_timeout, failover_deadline) and is
    // still parked now: a refusal that waited for the permit could not come back within 3 s.
    assertTrue(elapsed.compareTo(Duration.ofSeconds(3)) < 0, "refused after " + elapsed);
    assertEquals("1", refused.headers().firstValue("Retry-After").orElseThrow());
    assertEquals(2, site1.validations(), "the refused request never reached Keystone");
    assertEquals(200, first.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode());
  }

  @Test
  void requestWhenAuthTokenSentTwiceThen401WithoutAskingKeystone() throws Exception {
    startFilter(Map.of());
    String token = issue(KeystoneTokenFixture.create());

    HttpResponse<String> response = get("X-Auth-Token", token, "X-Auth-Token", token);

    assertEquals(401, response.statusCode());
    assertEquals(0, site1.validations());
  }

  @Test
  void requestWhenDelayAuthDecisionAndBadTokenThenAppSeesInvalidOnly() throws Exception {
    startFilter(Map.of("delay_auth_decision", "true"));

    HttpResponse<String> response =
        get("X-Auth-Token", "bad", "X-User-Id", "forged", "X-Identity-Status", "Confirmed");

    assertEquals(200, response.statusCode());
    Map<String, String> seen = seen(response);
    assertEquals("Invalid", seen.get("X-Identity-Status"));
    assertNull(seen.get("X-User-Id"));
    assertNull(seen.get("attribute-user-id"));
  }

  @Test
  void requestWhenDelayAuthDecisionAndKeystoneDownThenAppSeesInvalid() throws Exception {
    startFilter(Map.of("delay_auth_decision", "yes"));
    site1.fault(Fault.refuse());
    site2.fault(Fault.refuse());

    HttpResponse<String> response = get("X-Auth-Token", issue(KeystoneTokenFixture.create()));

    assertEquals(200, response.statusCode());
    assertEquals("Invalid", seen(response).get("X-Identity-Status"));
  }

  @Test
  void requestWhenDelayAuthDecisionAndKeystoneDownWithServiceTokenThenBothInvalid()
      throws Exception {
    startFilter(Map.of("delay_auth_decision", "true"));
    String user = issue(KeystoneTokenFixture.create());
    String service = issue(KeystoneTokenFixture.create().roles("service"));
    site1.fault(Fault.refuse());
    site2.fault(Fault.refuse());

    HttpResponse<String> response = get("X-Auth-Token", user, "X-Service-Token", service);

    assertEquals(200, response.statusCode());
    assertEquals("Invalid", seen(response).get("X-Identity-Status"));
    assertEquals("Invalid", seen(response).get("X-Service-Identity-Status"));
  }

  @Test
  void requestWhenDelayAuthDecisionAndNoTokenThenAppSeesInvalid() throws Exception {
    startFilter(Map.of("delay_auth_decision", "true"));

    HttpResponse<String> response = get("OpenStack-System-Scope", "all");

    assertEquals(200, response.statusCode());
    assertEquals("Invalid", seen(response).get("X-Identity-Status"));
    assertNull(seen(response).get("OpenStack-System-Scope"));
  }

  @Test
  void requestWhenFailoverOnNotFoundThenSecondSiteIsAskedAfterA404() throws Exception {
    startFilter(Map.of("failover_on_not_found", "true"));
    KeystoneTokenFixture fixture = KeystoneTokenFixture.create();
    String onlyAtSite2 = site2.issue(fixture);
    issued.add(onlyAtSite2);

    assertEquals(200, get("X-Auth-Token", onlyAtSite2).statusCode());
    assertEquals(1, site1.validations());
    assertEquals(1, site2.validations());
  }

  @Test
  void initWhenOptionBadThenServletExceptionNamesOptionAndValue() {
    ServletException failure =
        assertThrows(
            ServletException.class,
            () -> new KeystoneAuthFilter().init(new Params(Map.of("auth_url", "ftp://x"))));

    assertTrue(failure.getMessage().contains("auth_url"), failure.getMessage());
    assertTrue(failure.getMessage().contains("'ftp://x'"), failure.getMessage());
  }

  @Test
  void initWhenPasswordMissingThenServletExceptionNamesIt() {
    ServletException failure =
        assertThrows(
            ServletException.class,
            () ->
                new KeystoneAuthFilter()
                    .init(
                        new Params(
                            Map.of(
                                "auth_url", "http://127.0.0.1:5000",
                                "username", "svc",
                                "project_name", "service"))));

    assertTrue(failure.getMessage().contains("password is required"), failure.getMessage());
  }

  /** Writes every header it sees, one "name: value" line each, and the identity attribute. */
  private static final class RecordingApp extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      StringBuilder body = new StringBuilder();
      for (String name : Collections.list(request.getHeaderNames())) {
        for (String value : Collections.list(request.getHeaders(name))) {
          body.append(name).append(": ").append(value).append('\n');
        }
      }
      if (request.getAttribute(KeystoneAuthFilter.IDENTITY_ATTRIBUTE) instanceof Identity id) {
        body.append("attribute-user-id: ").append(id.userId()).append('\n');
      }
      if (request.getAttribute(KeystoneAuthFilter.SERVICE_IDENTITY_ATTRIBUTE)
          instanceof Identity id) {
        body.append("attribute-service-user-id: ").append(id.userId()).append('\n');
      }
      if (request.getRequestURI().equals("/own401")) {
        response.setHeader("WWW-Authenticate", "Basic realm=\"app\"");
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
      }
      response.setContentType("text/plain");
      response.getWriter().write(body.toString());
    }
  }

  /** A FilterConfig from a map, for init() tests without a container. */
  private record Params(Map<String, String> values) implements jakarta.servlet.FilterConfig {
    @Override
    public String getFilterName() {
      return "test";
    }

    @Override
    public jakarta.servlet.ServletContext getServletContext() {
      throw new UnsupportedOperationException("not needed before the configuration is valid");
    }

    @Override
    public String getInitParameter(String name) {
      return values.get(name);
    }

    @Override
    public java.util.Enumeration<String> getInitParameterNames() {
      return Collections.enumeration(values.keySet());
    }
  }
}
