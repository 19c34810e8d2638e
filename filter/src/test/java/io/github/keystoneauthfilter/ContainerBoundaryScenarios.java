package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13, items 1, 2 and 5, in a real servlet container (each subclass names one): whatever pass
 * of a request the application sees (the REQUEST, then ERROR, FORWARD, INCLUDE and ASYNC
 * dispatches), it never sees a forged identity header or attribute; nothing a front end sets as a
 * request attribute makes the filter skip a request; and a raw URI that routers could read
 * differently from the container is neither excluded nor matched by access rules.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class ContainerBoundaryScenarios {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /** Each second pass the app offers, and the dispatcher type and status it ends in. */
  private static final List<String[]> DISPATCHES =
      List.of(
          new String[] {"/senderror/404", "ERROR", "404"},
          new String[] {"/forward/echo", "FORWARD", "200"},
          new String[] {"/include/echo", "INCLUDE", "200"},
          new String[] {"/async/echo", "ASYNC", "200"});

  private FakeKeystone site;
  private BoundaryContainer container;

  abstract BoundaryContainer start(Map<String, String> params) throws Exception;

  @BeforeEach
  void site() {
    site = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
  }

  @AfterEach
  void stop() throws Exception {
    if (container != null) {
      container.close();
    }
    site.close();
  }

  private void startFilter(String... params) throws Exception {
    Map<String, String> all = new HashMap<>();
    all.put("auth_url", site.uri().toString());
    all.put("username", "svc");
    all.put("password", "svc-pass");
    all.put("project_name", "service");
    all.put("http_request_timeout", "2");
    for (int i = 0; i < params.length; i += 2) {
      all.put(params[i], params[i + 1]);
    }
    container = start(all);
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + container.port() + path))
            .timeout(Duration.ofSeconds(60));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** What the echo saw: header (and dispatch, attribute) lines, name in any case to values. */
  private static Map<String, String> seen(HttpResponse<String> response) {
    Map<String, String> seen = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String line : response.body().split("\n")) {
      int colon = line.indexOf(": ");
      if (colon > 0) {
        seen.merge(line.substring(0, colon), line.substring(colon + 2), (a, b) -> a + "|" + b);
      }
    }
    return seen;
  }

  /** A check of one second pass. */
  private interface PassCheck {
    void check(String[] dispatch) throws Exception;
  }

  /** Runs the check for every second pass, reporting each that fails. */
  private static void eachDispatch(PassCheck check) {
    assertAll(DISPATCHES.stream().map(dispatch -> () -> check.check(dispatch)));
  }

  /** The pass happened as intended: that dispatcher type reached the echo, with that status. */
  private static Map<String, String> passed(HttpResponse<String> response, String[] dispatch) {
    String what = dispatch[0] + " answered " + response.statusCode() + ": " + response.body();
    assertEquals(Integer.parseInt(dispatch[2]), response.statusCode(), what);
    Map<String, String> seen = seen(response);
    assertEquals(dispatch[1], seen.get("dispatch"), what);
    return seen;
  }

  @Test
  void dispatchWhenTokenValidThenEveryPassSeesOnlyTheVerifiedIdentityValidatedOnce()
      throws Exception {
    startFilter("token_cache_time", "0"); // so that a second validation would reach Keystone
    KeystoneTokenFixture fixture = KeystoneTokenFixture.create().roles("member");
    String token = site.issue(fixture);

    eachDispatch(
        dispatch -> {
          Map<String, String> seen =
              passed(
                  get(
                      dispatch[0],
                      "X-Auth-Token",
                      token,
                      "X-Roles",
                      "admin",
                      "X-User-Id",
                      "forged-user",
                      "X-Service-Roles",
                      "service"),
                  dispatch);

          assertEquals("Confirmed", seen.get("X-Identity-Status"), dispatch[0]);
          assertEquals("member", seen.get("X-Roles"), dispatch[0]);
          assertEquals(fixture.userId(), seen.get("X-User-Id"), dispatch[0]);
          assertNull(seen.get("X-Service-Roles"), dispatch[0]);
          assertEquals(fixture.userId(), seen.get("attribute-user-id"), dispatch[0]);
        });
    assertEquals(DISPATCHES.size(), site.validations(), "one validation per request, not per pass");
  }

  @Test
  void dispatchWhenDelayAuthDecisionAndNoTokenThenEveryPassSeesInvalidOnly() throws Exception {
    startFilter("delay_auth_decision", "true");

    eachDispatch(
        dispatch -> {
          Map<String, String> seen =
              passed(
                  get(
                      dispatch[0],
                      "X-Identity-Status",
                      "Confirmed",
                      "X-Roles",
                      "admin",
                      "X-User-Id",
                      "forged-user"),
                  dispatch);

          assertEquals("Invalid", seen.get("X-Identity-Status"), dispatch[0]);
          assertNull(seen.get("X-Roles"), dispatch[0]);
          assertNull(seen.get("X-User-Id"), dispatch[0]);
        });
  }

  @Test
  void dispatchWhenExcludedPathThenEveryPassSeesNoIdentityHeader() throws Exception {
    startFilter("excluded_paths", "/public/*");

    eachDispatch(
        dispatch -> {
          Map<String, String> seen =
              passed(
                  get(
                      "/public" + dispatch[0],
                      "X-Identity-Status",
                      "Confirmed",
                      "X-Roles",
                      "admin",
                      "OpenStack-System-Scope",
                      "all"),
                  dispatch);

          assertNull(seen.get("X-Identity-Status"), dispatch[0]);
          assertNull(seen.get("X-Roles"), dispatch[0]);
          assertNull(seen.get("OpenStack-System-Scope"), dispatch[0]);
        });
    assertEquals(0, site.validations());
  }

  @Test
  void requestWhenFrontEndSetsTheOldMarkAsAStringThenTheFilterStillDecides() throws Exception {
    startFilter();

    HttpResponse<String> response = get("/echo", "X-Test-Front-End", "mark", "X-Roles", "admin");

    assertEquals(401, response.statusCode(), response.body());
    assertEquals(0, container.app.echoes.get());
  }

  @Test
  void requestWhenFrontEndPresetsTheIdentityAttributesThenTheAppSeesNone() throws Exception {
    startFilter("delay_auth_decision", "true");

    Map<String, String> seen = seen(get("/echo", "X-Test-Front-End", "identity"));

    assertEquals("Invalid", seen.get("X-Identity-Status"));
    assertNull(seen.get("attribute-user"));
    assertNull(seen.get("attribute-service"));
  }

  @Test
  void requestWhenIdentityHeadersSpelledWithUnderscoresThenTheAppNeverSeesThem() throws Exception {
    startFilter();
    String token = site.issue(KeystoneTokenFixture.create().roles("member"));

    HttpResponse<String> response =
        get(
            "/echo",
            "X-Auth-Token",
            token,
            "X_Roles",
            "admin",
            "x_user_id",
            "forged-user",
            "X_Identity_Status",
            "Confirmed",
            "X-Custom_Header",
            "kept");

    assertEquals(200, response.statusCode());
    assertFalse(response.body().contains("admin"), response.body());
    assertFalse(response.body().contains("forged-user"), response.body());
    assertEquals("member", seen(response).get("X-Roles"));
    assertEquals("kept", seen(response).get("X-Custom_Header"));
  }

  @Test
  void requestWhenRawUriNotCanonicalThenNotExcludedAndTheAppNeverRunsWithoutToken()
      throws Exception {
    startFilter("excluded_paths", "/public/*");
    assertEquals(200, container.rawGet("/public/x"), "control: the exclusion works");
    assertEquals(200, container.rawGet("/public/"), "control: a trailing / is canonical");
    int echoes = container.app.echoes.get();

    for (String target :
        List.of(
            "/api/secret/../../public/x",
            "/api/..;/public/x",
            "/api/x/;/../../public/x",
            "/public/./x",
            "/public//x",
            "/api/%2e%2e/public/x",
            "/api/%2E%2E/public/x",
            "/public/..%2Fapi/x",
            "/public/..%2fapi/x",
            "/public/..%5Capi/x",
            "/public/..%255Capi/x",
            "/public/..\\api/x")) {
      assertNotEquals(200, container.rawGet(target), target);
    }
    assertEquals(echoes, container.app.echoes.get(), "the application never ran");
    assertEquals(0, site.validations());
  }

  @Test
  void requestWhenAccessRulesAndRawUriNotCanonicalThen401() throws Exception {
    startFilter("service_type", "compute");
    String token =
        site.issue(
            KeystoneTokenFixture.create()
                .addService(
                    "compute", "nova", KeystoneTokenFixture.endpoint("public", "R", "http://n"))
                .addAccessRule("compute", "GET", "/app"));

    assertEquals(200, container.rawGet("/app", "X-Auth-Token", token), "control: the rule allows");
    assertEquals(401, container.rawGet("/x/../app", "X-Auth-Token", token));
    assertEquals(401, container.rawGet("/app/.", "X-Auth-Token", token));
  }
}
