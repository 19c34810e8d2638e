package io.github.keystoneauthfilter.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Exercises {@link FakeKeystone} (and the fixtures it serves) over real HTTP. */
class FakeKeystoneTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Instant START = Instant.parse("2026-11-28T12:00:00Z");
  private static final String LOGIN_BODY =
      """
      {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "nova", "password": "s3cret", "domain": {"name": "Default"}}}},
       "scope": {"project": {"name": "service", "domain": {"id": "default"}}}}}
      """;

  private final MutableClock clock = new MutableClock(START);
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private FakeKeystone keystone;

  @BeforeEach
  void start() {
    keystone = FakeKeystone.start(clock).addServiceUser("nova", "s3cret", "service");
  }

  @AfterEach
  void stop() {
    keystone.close();
  }

  // ---------------------------------------------------------------- helpers

  private HttpResponse<String> post(String body) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(keystone.uri().resolve("/v3/auth/tokens?nocatalog"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private String login() throws IOException, InterruptedException {
    HttpResponse<String> response = post(LOGIN_BODY);
    assertEquals(201, response.statusCode(), response.body());
    return response.headers().firstValue("X-Subject-Token").orElseThrow();
  }

  private HttpRequest.Builder validation(String query, String serviceToken, String subject) {
    return HttpRequest.newBuilder(keystone.uri().resolve("/v3/auth/tokens" + query))
        .header("X-Auth-Token", serviceToken)
        .header("X-Subject-Token", subject)
        .GET();
  }

  private HttpResponse<String> validate(String query, String serviceToken, String subject)
      throws IOException, InterruptedException {
    return send(validation(query, serviceToken, subject));
  }

  private HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return http.send(
        request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) throws IOException {
    return MAPPER.readTree(response.body());
  }

  private static void assertKeystoneError(HttpResponse<String> response, int code, String title)
      throws IOException {
    assertEquals(code, response.statusCode(), response.body());
    assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(null));
    JsonNode error = json(response).path("error");
    assertEquals(code, error.path("code").asInt());
    assertEquals(title, error.path("title").asText());
    assertFalse(error.path("message").asText().isEmpty());
  }

  // ---------------------------------------------------------------- login

  @Test
  void passwordLoginIssuesAServiceToken() throws Exception {
    HttpResponse<String> response = post(LOGIN_BODY);

    assertEquals(201, response.statusCode(), response.body());
    String token = response.headers().firstValue("X-Subject-Token").orElseThrow();
    assertEquals(180, token.length());
    assertTrue(token.matches("gAAAAA[A-Za-z0-9_-]+"), token);
    JsonNode body = json(response).path("token");
    assertEquals("2026-11-28T13:00:00.000000Z", body.path("expires_at").asText());
    assertEquals("2026-11-28T12:00:00.000000Z", body.path("issued_at").asText());
    assertEquals("nova", body.path("user").path("name").asText());
    assertEquals("Default", body.path("user").path("domain").path("name").asText());
    assertEquals("service", body.path("project").path("name").asText());
    assertEquals("default", body.path("project").path("domain").path("id").asText());
    assertEquals("service", body.path("roles").path(0).path("name").asText());
    assertEquals(1, body.path("roles").size());
    assertEquals(Set.of(token), keystone.serviceTokens());
  }

  @Test
  void loginByDomainIdProjectIdOrNoScope() throws Exception {
    String projectId = MAPPER.readTree(post(LOGIN_BODY).body()).at("/token/project/id").asText();
    String byIds =
        """
        {"auth": {"identity": {"methods": ["password"], "password": {"user": {
          "name": "nova", "password": "s3cret", "domain": {"id": "default"}}}},
         "scope": {"project": {"id": "%s"}}}}
        """
            .formatted(projectId);
    String noScope =
        """
        {"auth": {"identity": {"methods": ["password"], "password": {"user": {
          "name": "nova", "password": "s3cret", "domain": {"name": "Default"}}}}}}
        """;

    assertEquals(201, post(byIds).statusCode());
    HttpResponse<String> unscopedRequest = post(noScope);
    assertEquals(201, unscopedRequest.statusCode());
    assertEquals(projectId, json(unscopedRequest).at("/token/project/id").asText());
  }

  @Test
  void serviceTokenLifetimeIsSettable() throws Exception {
    keystone.serviceTokenLifetime(Duration.ofMinutes(5));

    assertEquals(
        "2026-11-28T12:05:00.000000Z", json(post(LOGIN_BODY)).at("/token/expires_at").asText());
  }

  @Test
  void wrongCredentialsAre401() throws Exception {
    assertKeystoneError(post(LOGIN_BODY.replace("s3cret", "wrong")), 401, "Unauthorized");
    assertKeystoneError(post(LOGIN_BODY.replace("\"nova\"", "\"glance\"")), 401, "Unauthorized");
    assertKeystoneError(post(LOGIN_BODY.replace("Default", "Other")), 401, "Unauthorized");
    assertKeystoneError(
        post(LOGIN_BODY.replace("\"name\": \"service\"", "\"name\": \"admin\"")),
        401,
        "Unauthorized");
    assertKeystoneError(post("{not json"), 400, "Bad Request");
    assertTrue(keystone.serviceTokens().isEmpty());
  }

  @Test
  void applicationCredentialLoginById() throws Exception {
    keystone.addApplicationCredential("ac-1", "filter", "ac-secret");
    String body =
        """
        {"auth": {"identity": {"methods": ["application_credential"],
          "application_credential": {"id": "ac-1", "secret": "ac-secret"}}}}
        """;

    HttpResponse<String> response = post(body);

    assertEquals(201, response.statusCode(), response.body());
    JsonNode token = json(response).path("token");
    assertEquals("application_credential", token.path("methods").path(0).asText());
    assertEquals("ac-1", token.at("/application_credential/id").asText());
    assertEquals("filter", token.at("/application_credential/name").asText());
    assertEquals("appcred-owner", token.at("/user/name").asText());
    assertKeystoneError(post(body.replace("ac-secret", "nope")), 401, "Unauthorized");
  }

  @Test
  void applicationCredentialLoginByNameAndUser() throws Exception {
    keystone.addApplicationCredential("ac-2", "filter", "ac-secret", "nova");
    String body =
        """
        {"auth": {"identity": {"methods": ["application_credential"],
          "application_credential": {"name": "filter", "secret": "ac-secret",
            "user": {"name": "nova", "domain": {"name": "Default"}}}}}}
        """;

    HttpResponse<String> response = post(body);

    assertEquals(201, response.statusCode(), response.body());
    String token = response.headers().firstValue("X-Subject-Token").orElseThrow();
    assertEquals(200, validate("", token, keystone.issue(new KeystoneTokenFixture())).statusCode());
    assertKeystoneError(post(body.replace("\"nova\"", "\"other\"")), 401, "Unauthorized");
  }

  // ---------------------------------------------------------------- validation

  @Test
  void validatesARegisteredToken() throws Exception {
    KeystoneTokenFixture fixture =
        new KeystoneTokenFixture()
            .addService(
                "compute",
                "nova",
                KeystoneTokenFixture.endpoint("public", "RegionOne", "https://nova.example/v2.1"));
    String subject = keystone.issue(fixture);
    String service = login();

    HttpResponse<String> response = validate("", service, subject);

    assertEquals(200, response.statusCode(), response.body());
    assertEquals(subject, response.headers().firstValue("X-Subject-Token").orElse(null));
    assertEquals(fixture.toJson(), json(response));
    JsonNode token = json(response).path("token");
    assertEquals(fixture.userId(), token.at("/user/id").asText());
    assertEquals(fixture.projectId(), token.at("/project/id").asText());
    assertEquals("compute", token.at("/catalog/0/type").asText());
  }

  @Test
  void nocatalogDropsTheCatalog() throws Exception {
    KeystoneTokenFixture fixture =
        new KeystoneTokenFixture()
            .addService(
                "compute", "nova", KeystoneTokenFixture.endpoint("public", "R", "https://n"));
    String subject = keystone.issue(fixture);

    HttpResponse<String> response = validate("?nocatalog", login(), subject);

    assertEquals(200, response.statusCode());
    JsonNode token = json(response).path("token");
    assertTrue(token.path("catalog").isMissingNode());
    assertEquals(fixture.userId(), token.at("/user/id").asText());
  }

  @Test
  void unknownTokenIs404WithKeystonesErrorBody() throws Exception {
    HttpResponse<String> response = validate("", login(), "no-such-token");

    assertKeystoneError(response, 404, "Not Found");
  }

  @Test
  void expiredTokenIs404UnlessAllowExpired() throws Exception {
    String service = login();
    String subject =
        keystone.issue(new KeystoneTokenFixture().expiresAt(START.minus(Duration.ofMinutes(1))));

    assertKeystoneError(validate("", service, subject), 404, "Not Found");
    HttpResponse<String> allowed = validate("?allow_expired=1", service, subject);
    assertEquals(200, allowed.statusCode(), allowed.body());
    assertEquals(200, validate("?nocatalog&allow_expired=1", service, subject).statusCode());
  }

  @Test
  void tokenExpiresWithTheClock() throws Exception {
    String subject = keystone.issue(new KeystoneTokenFixture().expiresAt(START.plusSeconds(30)));
    keystone.serviceTokenLifetime(Duration.ofHours(2));
    String service = login();

    assertEquals(200, validate("", service, subject).statusCode());
    clock.advance(Duration.ofSeconds(30));
    assertKeystoneError(validate("", service, subject), 404, "Not Found");
  }

  @Test
  void revokedTokenIs404EvenWithAllowExpired() throws Exception {
    String service = login();
    String subject = keystone.issue(new KeystoneTokenFixture());
    assertEquals(200, validate("", service, subject).statusCode());

    keystone.revoke(subject);

    assertKeystoneError(validate("", service, subject), 404, "Not Found");
    assertKeystoneError(validate("?allow_expired=1", service, subject), 404, "Not Found");
  }

  @Test
  void registerUsesTheGivenTokenAndSnapshotsTheFixture() throws Exception {
    KeystoneTokenFixture fixture = new KeystoneTokenFixture().roles("reader", "member");
    keystone.register("my-token", fixture);
    String userId = fixture.userId();
    fixture.userId("changed-later");

    HttpResponse<String> response = validate("", login(), "my-token");

    assertEquals(200, response.statusCode());
    assertEquals(userId, json(response).at("/token/user/id").asText());
  }

  @Test
  void badOrMissingServiceTokenIs401() throws Exception {
    String subject = keystone.issue(new KeystoneTokenFixture());

    assertKeystoneError(validate("", "not-a-service-token", subject), 401, "Unauthorized");
    assertKeystoneError(validate("", subject, subject), 401, "Unauthorized");
    HttpResponse<String> none =
        send(
            HttpRequest.newBuilder(keystone.uri().resolve("/v3/auth/tokens"))
                .header("X-Subject-Token", subject));
    assertKeystoneError(none, 401, "Unauthorized");
    assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Keystone"));
  }

  @Test
  void expireServiceTokensForcesALogin() throws Exception {
    String subject = keystone.issue(new KeystoneTokenFixture());
    String service = login();
    assertEquals(200, validate("", service, subject).statusCode());

    keystone.expireServiceTokens();

    assertKeystoneError(validate("", service, subject), 401, "Unauthorized");
    String fresh = login();
    assertNotEquals(service, fresh);
    assertEquals(200, validate("", fresh, subject).statusCode());
  }

  @Test
  void serviceTokenExpiresWithTheClock() throws Exception {
    String subject = keystone.issue(new KeystoneTokenFixture().expiresIn(Duration.ofDays(1)));
    String service = login();

    clock.advance(Duration.ofHours(1));

    assertKeystoneError(validate("", service, subject), 401, "Unauthorized");
  }

  @Test
  void versionDocument() throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(keystone.uri().resolve("/v3")));

    assertEquals(200, response.statusCode());
    assertEquals("v3.14", json(response).at("/version/id").asText());
    assertEquals("stable", json(response).at("/version/status").asText());
  }

  // ---------------------------------------------------------------- faults

  @Test
  void statusFaultHitsValidationsAndLogins() throws Exception {
    String service = login();
    String subject = keystone.issue(new KeystoneTokenFixture());

    keystone.fault(Fault.status(503));

    assertKeystoneError(validate("", service, subject), 503, "Service Unavailable");
    assertKeystoneError(post(LOGIN_BODY), 503, "Service Unavailable");
    keystone.faultLogin(false);
    assertEquals(201, post(LOGIN_BODY).statusCode());
    assertEquals(503, validate("", service, subject).statusCode());
    keystone.fault(Fault.none());
    assertEquals(200, validate("", service, subject).statusCode());
  }

  @Test
  void garbageFault() throws Exception {
    String service = login();
    keystone.fault(Fault.garbage());

    HttpResponse<String> response = validate("", service, "anything");

    assertEquals(200, response.statusCode());
    assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(null));
    assertEquals("<html>not json</html>", response.body());
  }

  @Test
  void bodyFault() throws Exception {
    String service = login();
    keystone.fault(Fault.body("{\"token\": {}}"));

    HttpResponse<String> validation = validate("", service, "anything");
    HttpResponse<String> loginResponse = post(LOGIN_BODY);

    assertEquals(200, validation.statusCode());
    assertEquals("{\"token\": {}}", validation.body());
    assertEquals(201, loginResponse.statusCode());
    assertEquals("{\"token\": {}}", loginResponse.body());
    assertTrue(loginResponse.headers().firstValue("X-Subject-Token").isPresent());
  }

  @Test
  void hangFaultParksUntilCleared() throws Exception {
    String service = login();
    String subject = keystone.issue(new KeystoneTokenFixture());
    keystone.fault(Fault.hang());

    HttpRequest shortTimeout =
        validation("", service, subject).timeout(Duration.ofSeconds(1)).build();
    long began = System.nanoTime();
    assertThrows(
        HttpTimeoutException.class,
        () -> http.send(shortTimeout, HttpResponse.BodyHandlers.ofString()));
    assertTrue(System.nanoTime() - began >= TimeUnit.MILLISECONDS.toNanos(900));

    CompletableFuture<HttpResponse<String>> parked =
        http.sendAsync(
            validation("", service, subject).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    awaitValidations(2);
    assertFalse(parked.isDone());

    keystone.fault(Fault.none());

    assertEquals(200, parked.get(5, TimeUnit.SECONDS).statusCode());
    assertEquals(200, validate("", service, subject).statusCode());
  }

  @Test
  void hangReleasedIntoAnotherFault() throws Exception {
    String service = login();
    keystone.fault(Fault.hang());
    CompletableFuture<HttpResponse<String>> parked =
        http.sendAsync(
            validation("", service, "x").timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    awaitValidations(1);

    keystone.fault(Fault.status(502));

    assertEquals(502, parked.get(5, TimeUnit.SECONDS).statusCode());
  }

  @Test
  void closeDoesNotWaitForHangingRequests() throws Exception {
    String service = login();
    keystone.fault(Fault.hang());
    List<CompletableFuture<HttpResponse<String>>> parked = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      parked.add(
          http.sendAsync(
              validation("", service, "x").timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    awaitValidations(5);

    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> keystone.close());
    for (CompletableFuture<HttpResponse<String>> future : parked) {
      // Answered 503 or cut off; either way, promptly.
      try {
        future.get(5, TimeUnit.SECONDS);
      } catch (ExecutionException expected) {
        assertInstanceOf(IOException.class, expected.getCause());
      }
    }
  }

  @Test
  void refuseFaultThenClearReusesThePort() throws Exception {
    String service = login();
    String subject = keystone.issue(new KeystoneTokenFixture());
    URI before = keystone.uri();

    keystone.fault(Fault.refuse());

    ExecutionException refused =
        assertThrows(
            ExecutionException.class,
            () ->
                http.sendAsync(
                        validation("", service, subject).build(),
                        HttpResponse.BodyHandlers.ofString())
                    .get(5, TimeUnit.SECONDS));
    assertInstanceOf(ConnectException.class, refused.getCause(), refused.toString());

    keystone.fault(Fault.none());

    assertEquals(before, keystone.uri());
    assertEquals(200, validate("", service, subject).statusCode());
    assertEquals(201, post(LOGIN_BODY).statusCode());
  }

  @Test
  void delayFaultAnswersLate() throws Exception {
    String service = login();
    String subject = keystone.issue(new KeystoneTokenFixture());
    keystone.fault(Fault.delay(Duration.ofMillis(400)));

    long began = System.nanoTime();
    HttpResponse<String> response = validate("", service, subject);

    assertEquals(200, response.statusCode());
    assertTrue(System.nanoTime() - began >= TimeUnit.MILLISECONDS.toNanos(400));
  }

  // ---------------------------------------------------------------- recording, concurrency

  @Test
  void recordsRequests() throws Exception {
    String service = login();
    String subject = keystone.issue(new KeystoneTokenFixture());
    validate("?nocatalog", service, subject);
    send(HttpRequest.newBuilder(keystone.uri().resolve("/v3")));

    assertEquals(1, keystone.logins());
    assertEquals(1, keystone.validations());
    List<RecordedRequest> requests = keystone.requests();
    assertEquals(3, requests.size());
    RecordedRequest post = requests.get(0);
    assertEquals("POST", post.method());
    assertEquals("/v3/auth/tokens", post.path());
    assertEquals("nocatalog", post.query());
    assertEquals(LOGIN_BODY, post.body());
    assertEquals("application/json", post.header("content-type"));
    RecordedRequest get = requests.get(1);
    assertEquals(service, get.header("x-auth-token"));
    assertEquals(subject, get.header("X-SUBJECT-TOKEN"));
    assertTrue(get.hasQueryParameter("nocatalog"));
    assertEquals(START, get.receivedAt());
    assertNull(requests.get(2).query());
    assertNull(requests.get(2).header("X-Auth-Token"));

    keystone.clearRecorded();

    assertEquals(0, keystone.validations());
    assertTrue(keystone.requests().isEmpty());
  }

  @Test
  void manyConcurrentValidations() throws Exception {
    String service = login();
    List<String> subjects = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      subjects.add(keystone.issue(new KeystoneTokenFixture()));
    }
    List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
    for (String subject : subjects) {
      futures.add(
          http.sendAsync(
              validation("", service, subject).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString()));
    }

    for (int i = 0; i < subjects.size(); i++) {
      HttpResponse<String> response = futures.get(i).get(20, TimeUnit.SECONDS);
      assertEquals(200, response.statusCode());
      assertEquals(subjects.get(i), response.headers().firstValue("X-Subject-Token").orElse(null));
    }
    assertEquals(100, keystone.validations());
  }

  @Test
  void maxConcurrentValidationsCountsValidationsHandledAtOnceNotLogins() throws Exception {
    String service = login();
    String subject = keystone.issue(new KeystoneTokenFixture());
    validate("", service, subject);
    assertEquals(1, keystone.maxConcurrentValidations());
    keystone.fault(Fault.hang());
    keystone.faultLogin(false);
    List<CompletableFuture<HttpResponse<String>>> parked = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      parked.add(
          http.sendAsync(
              validation("", service, subject).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    awaitValidations(4);
    login();

    assertEquals(3, keystone.maxConcurrentValidations());

    keystone.fault(Fault.none());
    for (CompletableFuture<HttpResponse<String>> response : parked) {
      assertEquals(200, response.get(10, TimeUnit.SECONDS).statusCode());
    }
    keystone.clearRecorded();
    validate("", service, subject);
    assertEquals(1, keystone.maxConcurrentValidations());
  }

  private void awaitValidations(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (keystone.validations() < count) {
      assertTrue(System.nanoTime() < deadline, "validations never arrived");
      Thread.sleep(10);
    }
  }

  // ---------------------------------------------------------------- fixtures

  @Test
  void fixtureScopesAndOptionalFields() {
    KeystoneTokenFixture project = new KeystoneTokenFixture();
    JsonNode token = project.toJson().path("token");
    assertEquals(List.of("password"), project.methods());
    assertEquals(32, project.userId().length());
    assertEquals(project.projectId(), token.at("/project/id").asText());
    assertEquals(project.projectDomainName(), token.at("/project/domain/name").asText());
    assertEquals(project.userDomainId(), token.at("/user/domain/id").asText());
    assertEquals("member", token.at("/roles/0/name").asText());
    assertTrue(token.path("is_admin_project").isMissingNode());
    assertTrue(token.path("catalog").isMissingNode());
    assertTrue(token.path("application_credential").isMissingNode());
    assertTrue(
        token.path("expires_at").asText().matches("\\d{4}-\\d\\d-\\d\\dT[\\d:]{8}\\.\\d{6}Z"));
    assertEquals(project.auditIds().get(0), token.at("/audit_ids/0").asText());

    JsonNode domain =
        new KeystoneTokenFixture().domainScope("d1", "Dom").isAdminProject(false).toJson();
    assertEquals("d1", domain.at("/token/domain/id").asText());
    assertTrue(domain.at("/token/project").isMissingNode());
    assertFalse(domain.at("/token/is_admin_project").asBoolean(true));

    KeystoneTokenFixture system = new KeystoneTokenFixture().systemScope().roles("admin");
    assertTrue(system.toJson().at("/token/system/all").asBoolean());
    assertNull(system.projectId());

    JsonNode unscoped = new KeystoneTokenFixture().unscoped().toJson();
    assertTrue(unscoped.at("/token/roles").isMissingNode());
    assertTrue(unscoped.at("/token/project").isMissingNode());

    KeystoneTokenFixture credential =
        new KeystoneTokenFixture()
            .methods("application_credential")
            .applicationCredential("ac", "name")
            .addAccessRule("compute", "GET", "/v2.1/servers");
    JsonNode rule = credential.toJson().at("/token/application_credential/access_rules/0");
    assertEquals("compute", rule.path("service").asText());
    assertEquals("GET", rule.path("method").asText());
    assertEquals("/v2.1/servers", rule.path("path").asText());
    assertTrue(credential.toJson().at("/token/application_credential/restricted").asBoolean());

    KeystoneTokenFixture timed =
        new KeystoneTokenFixture().expiresAt(Instant.parse("2026-11-28T13:14:15.123456789Z"));
    assertEquals("2026-11-28T13:14:15.123456Z", timed.toJson().at("/token/expires_at").asText());
    assertEquals(Instant.parse("2026-11-28T13:14:15.123456Z"), timed.expiresAt());
    assertNotNull(timed.toJsonString());
  }

  @Test
  void mutableClock() {
    MutableClock c = new MutableClock(START);
    long before = c.nanos();

    c.advance(Duration.ofMillis(1500));

    assertEquals(START.plusMillis(1500), c.instant());
    assertEquals(1_500_000_000L, c.nanos() - before);
    c.set(START);
    assertEquals(before, c.nanos());
    assertEquals(START, c.withZone(ZoneId.of("Europe/Paris")).instant());
  }
}
