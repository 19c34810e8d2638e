package io.github.keystoneauthfilter.internal.keystone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.config.Credentials;
import io.github.keystoneauthfilter.internal.endpoint.Deadline;
import io.github.keystoneauthfilter.internal.endpoint.EndpointFailureException;
import io.github.keystoneauthfilter.internal.endpoint.EndpointFailureException.Kind;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.Fault;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import io.github.keystoneauthfilter.testing.MutableClock;
import io.github.keystoneauthfilter.testing.RecordedRequest;
import jakarta.ws.rs.client.Client;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link KeystoneClient} over real HTTP against a {@link FakeKeystone}: every outcome class. */
class KeystoneClientTest {
  private static final Duration CONNECT = Duration.ofSeconds(1);
  // Short enough for the hang tests, long enough that a fake slowed by a loaded machine still
  // answers in time (at 0.5 s, the application-credential test failed now and then under load).
  private static final Duration REQUEST = Duration.ofSeconds(2);

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
  private FakeKeystone keystone;
  private Client http;

  @BeforeEach
  void start() {
    keystone = FakeKeystone.start(clock).addServiceUser("svc", "svc-pass", "service");
    http = KeystoneHttp.create(4, 1, CONNECT, REQUEST);
  }

  @AfterEach
  void stop() {
    http.close();
    keystone.close();
  }

  private KeystoneClient client(String password, boolean catalog) {
    return new KeystoneClient(
        keystone.uri(),
        http,
        new ObjectMapper(),
        new Credentials.Password("svc", password, "Default", "service", "Default"),
        catalog,
        CONNECT,
        REQUEST,
        clock);
  }

  private KeystoneClient client(Credentials credentials) {
    return new KeystoneClient(
        keystone.uri(), http, new ObjectMapper(), credentials, true, CONNECT, REQUEST, clock);
  }

  private KeystoneClient client() {
    return client("svc-pass", true);
  }

  private static Deadline deadline() {
    return Deadline.after(Duration.ofSeconds(10), System::nanoTime);
  }

  private String issue(KeystoneTokenFixture fixture) {
    return keystone.issue(fixture.expiresAt(clock.instant().plus(Duration.ofHours(1))));
  }

  @Test
  void validateWhenKeystoneSays200ThenValidIdentityFromTheBody() throws Exception {
    KeystoneTokenFixture fixture =
        KeystoneTokenFixture.create()
            .roles("member", "reader")
            .addService(
                "compute",
                "nova",
                KeystoneTokenFixture.endpoint("public", "RegionOne", "http://nova"));
    String token = issue(fixture);

    TokenValidation answer = client().validate(AuthToken.of(token), deadline());

    Identity identity = assertInstanceOf(TokenValidation.Valid.class, answer).identity();
    assertEquals(fixture.userId(), identity.userId());
    assertEquals(fixture.projectId(), identity.projectId());
    assertEquals(List.of("member", "reader"), identity.roles());
    assertTrue(identity.catalogV2Json().contains("\"publicURL\":\"http://nova\""));
  }

  @Test
  void validateKeepsKeystonesBodyOnlyWhenAskedTo() throws Exception {
    String token = issue(KeystoneTokenFixture.create().roles("member"));
    KeystoneClient keeping =
        new KeystoneClient(
            keystone.uri(),
            http,
            new ObjectMapper(),
            new Credentials.Password("svc", "svc-pass", "Default", "service", "Default"),
            true,
            CONNECT,
            REQUEST,
            clock,
            true);

    TokenValidation.Valid kept =
        assertInstanceOf(
            TokenValidation.Valid.class, keeping.validate(AuthToken.of(token), deadline()));
    TokenValidation.Valid notKept =
        assertInstanceOf(
            TokenValidation.Valid.class, client().validate(AuthToken.of(token), deadline()));

    TokenValidation.KeystoneBody body = kept.body();
    assertNotNull(body, "kept for memcache_entry_format=keystonemiddleware");
    String json = new String(body.json(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(json.contains("\"token\"") && json.contains(kept.identity().userId()), json);
    assertNull(notKept.body(), "not kept otherwise: no cache holds it");
  }

  @Test
  void validateWhenCalledThenSendsServiceTokenAndSubjectTokenToTokensPath() throws Exception {
    String token = issue(KeystoneTokenFixture.create());

    client().validate(AuthToken.of(token), deadline());

    RecordedRequest validation = lastValidation();
    assertEquals("/v3/auth/tokens", validation.path());
    assertEquals(token, validation.header("X-Subject-Token"));
    assertTrue(keystone.serviceTokens().contains(validation.header("X-Auth-Token")));
    assertFalse(validation.hasQueryParameter("nocatalog"));
    // Without it, Keystone answers 404 to every token of an application credential with access
    // rules (it enforces them itself unless the caller says it does: AccessRulesIT, real Keystone).
    assertEquals("1", validation.header("OpenStack-Identity-Access-Rules"));
  }

  @Test
  void validateWhenCatalogOffThenAsksWithNocatalogAndHasNoCatalog() throws Exception {
    String token =
        issue(
            KeystoneTokenFixture.create()
                .addService(
                    "compute", "nova", KeystoneTokenFixture.endpoint("public", "R", "http://n")));

    TokenValidation answer = client("svc-pass", false).validate(AuthToken.of(token), deadline());

    assertTrue(lastValidation().hasQueryParameter("nocatalog"));
    assertNull(((TokenValidation.Valid) answer).identity().catalogV2Json());
  }

  @Test
  void validateWhenManyTokensThenLogsInOnce() throws Exception {
    KeystoneClient client = client();
    for (int i = 0; i < 5; i++) {
      client.validate(AuthToken.of(issue(KeystoneTokenFixture.create())), deadline());
    }

    assertEquals(1, keystone.logins());
    assertEquals(5, keystone.validations());
  }

  @Test
  void validateWhenApplicationCredentialByIdThenLogsInWithItAndValidates() throws Exception {
    keystone.addApplicationCredential("ac-id", "ac-name", "ac-secret");
    KeystoneClient client =
        client(new Credentials.ApplicationCredential("ac-id", null, null, "Default", "ac-secret"));

    TokenValidation answer =
        client.validate(AuthToken.of(issue(KeystoneTokenFixture.create())), deadline());

    assertInstanceOf(TokenValidation.Valid.class, answer);
    String login = keystone.requests().get(0).body();
    assertTrue(login.contains("\"application_credential\""), login);
    assertFalse(login.contains("\"scope\""), login);
  }

  @Test
  void validateWhenApplicationCredentialByNameThenLogsInWithItsOwner() throws Exception {
    keystone.addApplicationCredential("ac-id", "ac-name", "ac-secret", "owner");
    KeystoneClient client =
        client(
            new Credentials.ApplicationCredential(
                null, "ac-name", "owner", "Default", "ac-secret"));

    assertInstanceOf(
        TokenValidation.Valid.class,
        client.validate(AuthToken.of(issue(KeystoneTokenFixture.create())), deadline()));
  }

  @Test
  void validateWhenApplicationCredentialSecretWrongThenMisconfigured() {
    keystone.addApplicationCredential("ac-id", "ac-name", "ac-secret");
    KeystoneClient client =
        client(new Credentials.ApplicationCredential("ac-id", null, null, "Default", "wrong"));

    EndpointFailureException failure =
        assertThrows(
            EndpointFailureException.class, () -> client.validate(AuthToken.of("t"), deadline()));
    assertEquals(Kind.MISCONFIGURED, failure.kind(), failure.getMessage());
  }

  @Test
  void credentialsToStringWhenPrintedThenNoSecret() {
    assertFalse(
        new Credentials.Password("svc", "pw-123", "Default", "service", "Default")
            .toString()
            .contains("pw-123"));
    assertFalse(
        new Credentials.ApplicationCredential("id", null, null, "Default", "sec-456")
            .toString()
            .contains("sec-456"));
  }

  @Test
  void constructorWhenClientNotMadeByKeystoneHttpThenRefusedAsItsCallsCouldNotBeTimeLimited() {
    Client foreign = jakarta.ws.rs.client.ClientBuilder.newClient();
    try {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  new KeystoneClient(
                      keystone.uri(),
                      foreign,
                      new ObjectMapper(),
                      new Credentials.Password("svc", "svc-pass", "Default", "service", "Default"),
                      true,
                      CONNECT,
                      REQUEST,
                      clock));

      assertTrue(e.getMessage().contains("KeystoneHttp.create"), e.getMessage());
    } finally {
      foreign.close();
    }
  }

  @Test
  void validateWhenKeystoneSays404ThenInvalid() throws Exception {
    TokenValidation answer = client().validate(AuthToken.of("unknown-token"), deadline());

    assertInstanceOf(TokenValidation.Invalid.class, answer);
  }

  @Test
  void validateWhenTokenRevokedThenInvalid() throws Exception {
    String token = issue(KeystoneTokenFixture.create());
    keystone.revoke(token);

    assertInstanceOf(
        TokenValidation.Invalid.class, client().validate(AuthToken.of(token), deadline()));
  }

  @Test
  void validateWhenServiceTokenRejectedThenLogsInAgainOnceAndAnswers() throws Exception {
    KeystoneClient client = client();
    String token = issue(KeystoneTokenFixture.create());
    client.validate(AuthToken.of(token), deadline());
    keystone.expireServiceTokens();

    TokenValidation answer = client.validate(AuthToken.of(token), deadline());

    assertInstanceOf(TokenValidation.Valid.class, answer);
    assertEquals(2, keystone.logins());
    assertEquals(3, keystone.validations()); // first, the rejected one, the retry
  }

  @Test
  void validateWhenServiceTokenNearExpiryThenRenewsBeforeUsingIt() throws Exception {
    keystone.serviceTokenLifetime(Duration.ofMinutes(10));
    KeystoneClient client = client();
    String token = issue(KeystoneTokenFixture.create());
    client.validate(AuthToken.of(token), deadline());
    clock.advance(Duration.ofMinutes(7)); // renewal is due 2 min before expiry

    client.validate(AuthToken.of(token), deadline());
    assertEquals(1, keystone.logins());
    clock.advance(Duration.ofMinutes(1).plusSeconds(1));
    client.validate(AuthToken.of(token), deadline());

    assertEquals(2, keystone.logins());
    assertEquals(3, keystone.validations()); // no validation was rejected with 401
  }

  @Test
  void validateWhenServicePasswordWrongThenMisconfiguredNamingTheLogin() {
    EndpointFailureException failure =
        assertThrows(
            EndpointFailureException.class,
            () -> client("wrong", true).validate(AuthToken.of("t"), deadline()));

    assertEquals(Kind.MISCONFIGURED, failure.kind());
    assertTrue(failure.getMessage().contains("service login"), failure.getMessage());
    assertFalse(failure.getMessage().contains("wrong"), failure.getMessage());
  }

  @Test
  void validateWhenKeystoneRefusesOurServiceUserThenMisconfigured() throws Exception {
    KeystoneClient client = client();
    String token = issue(KeystoneTokenFixture.create());
    client.validate(AuthToken.of(token), deadline()); // logged in
    keystone.faultLogin(false);
    keystone.fault(Fault.status(403));

    EndpointFailureException failure =
        assertThrows(
            EndpointFailureException.class, () -> client.validate(AuthToken.of(token), deadline()));

    assertEquals(Kind.MISCONFIGURED, failure.kind());
    assertTrue(failure.getMessage().contains("403"), failure.getMessage());
  }

  @Test
  void validateWhenKeystoneAnswers400ToTheValidationThenInvalidNotMisconfigured() throws Exception {
    KeystoneClient client = client();
    String token = issue(KeystoneTokenFixture.create());
    client.validate(AuthToken.of(token), deadline()); // logged in
    keystone.faultLogin(false);
    // What Apache or nginx in front of Keystone answer to an X-Subject-Token over their limit.
    keystone.fault(Fault.status(400));

    TokenValidation answer = client.validate(AuthToken.of(token), deadline());

    TokenValidation.Invalid invalid = assertInstanceOf(TokenValidation.Invalid.class, answer);
    assertTrue(invalid.reason().contains("400"), invalid.reason());
    assertEquals(1, keystone.logins(), "a 400 is not taken for a stale service token");
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 403})
  void validateWhenServiceLoginRefusedWith400Or403ThenMisconfigured(int status) {
    keystone.fault(Fault.status(status));

    EndpointFailureException failure =
        assertThrows(
            EndpointFailureException.class,
            () -> client().validate(AuthToken.of("any"), deadline()));

    assertEquals(Kind.MISCONFIGURED, failure.kind());
    assertTrue(failure.getMessage().contains("service login"), failure.getMessage());
    assertTrue(failure.getMessage().contains(Integer.toString(status)), failure.getMessage());
    assertEquals(0, keystone.validations());
  }

  @ParameterizedTest
  @ValueSource(ints = {408, 413, 429, 500, 502, 503, 504, 302, 409})
  void validateWhenKeystoneAnswersFailureStatusThenEndpointUnavailable(int status)
      throws Exception {
    KeystoneClient client = client();
    String token = issue(KeystoneTokenFixture.create());
    client.validate(AuthToken.of(token), deadline());
    keystone.fault(Fault.status(status));

    EndpointFailureException failure =
        assertThrows(
            EndpointFailureException.class, () -> client.validate(AuthToken.of(token), deadline()));

    assertEquals(Kind.UNAVAILABLE, failure.kind());
    assertTrue(failure.getMessage().contains("HTTP " + status), failure.getMessage());
    assertFalse(failure.getMessage().contains(token));
  }

  @Test
  void validateWhenKeystoneAnswersHtml200ThenEndpointUnavailableNeverValid() throws Exception {
    KeystoneClient client = client();
    client.validate(AuthToken.of(issue(KeystoneTokenFixture.create())), deadline());
    keystone.fault(Fault.garbage());

    EndpointFailureException failure =
        assertThrows(
            EndpointFailureException.class, () -> client.validate(AuthToken.of("any"), deadline()));

    assertEquals(Kind.UNAVAILABLE, failure.kind());
    assertTrue(failure.getMessage().contains("unusable token body"), failure.getMessage());
  }

  @Test
  void validateWhenIdentityValueHasCrLfThenEndpointUnavailableNeverValid() throws Exception {
    KeystoneClient client = client();
    client.validate(AuthToken.of(issue(KeystoneTokenFixture.create())), deadline());
    String hostile =
        KeystoneTokenFixture.create()
            .userName("evil\r\nX-Roles: admin")
            .expiresAt(clock.instant().plusSeconds(600))
            .toJsonString();
    keystone.fault(Fault.body(hostile));

    EndpointFailureException failure =
        assertThrows(
            EndpointFailureException.class, () -> client.validate(AuthToken.of("any"), deadline()));

    assertEquals(Kind.UNAVAILABLE, failure.kind());
    assertTrue(failure.getMessage().contains("control character"), failure.getMessage());
  }

  @Test
  void validateWhenConnectionRefusedThenEndpointUnavailable() {
    keystone.fault(Fault.refuse());

    EndpointFailureException failure =
        assertThrows(
            EndpointFailureException.class,
            () -> client().validate(AuthToken.of("any"), deadline()));

    assertEquals(Kind.UNAVAILABLE, failure.kind());
  }

  @Test
  void validateWhenKeystoneHangsThenUnavailableAfterTheRequestTimeoutNotTheHang() throws Exception {
    KeystoneClient client = client();
    String token = issue(KeystoneTokenFixture.create());
    client.validate(AuthToken.of(token), deadline());
    keystone.fault(Fault.hang());

    long start = System.nanoTime();
    Deadline generous = Deadline.after(Duration.ofSeconds(60), System::nanoTime);
    EndpointFailureException failure =
        assertThrows(
            EndpointFailureException.class, () -> client.validate(AuthToken.of(token), generous));
    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertEquals(Kind.UNAVAILABLE, failure.kind());
    // The hang and the deadline last 60 s; the client gave up on its own time limit (connect +
    // request timeouts, 3 s), with a margin for a busy machine.
    assertTrue(waited < 8_000, "waited " + waited + " ms");
  }

  @Test
  void validateWhenDeadlineShorterThanTimeoutThenTheDeadlineBoundsTheWait() throws Exception {
    KeystoneClient client =
        new KeystoneClient(
            keystone.uri(),
            http,
            new ObjectMapper(),
            new Credentials.Password("svc", "svc-pass", "Default", "service", "Default"),
            true,
            CONNECT,
            Duration.ofSeconds(30),
            clock);
    String token = issue(KeystoneTokenFixture.create());
    client.validate(AuthToken.of(token), deadline());
    keystone.fault(Fault.hang());

    long start = System.nanoTime();
    assertThrows(
        EndpointFailureException.class,
        () -> client.validate(AuthToken.of(token), Deadline.after(REQUEST, System::nanoTime)));
    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertTrue(waited < 10_000, "waited " + waited + " ms (the request timeout was 30 s)");
  }

  @Test
  void validateWhenDeadlineAlreadyPassedThenNothingIsSent() {
    Deadline passed = Deadline.after(Duration.ZERO, System::nanoTime);

    EndpointFailureException failure =
        assertThrows(
            EndpointFailureException.class, () -> client().validate(AuthToken.of("t"), passed));

    assertEquals(Kind.UNAVAILABLE, failure.kind());
    assertEquals(0, keystone.requests().size());
  }

  @Test
  void validateWhenPoolExhaustedThenFailsOnTheLeaseTimeoutInsteadOfQueueing() throws Exception {
    Client single = KeystoneHttp.create(1, 1, Duration.ofMillis(300), Duration.ofSeconds(5));
    try {
      KeystoneClient client =
          new KeystoneClient(
              keystone.uri(),
              single,
              new ObjectMapper(),
              new Credentials.Password("svc", "svc-pass", "Default", "service", "Default"),
              true,
              Duration.ofMillis(300),
              Duration.ofSeconds(5),
              clock);
      String token = issue(KeystoneTokenFixture.create());
      client.validate(AuthToken.of(token), deadline());
      keystone.fault(Fault.hang());
      CompletableFuture<Void> holder =
          CompletableFuture.runAsync(
              () -> {
                try {
                  client.validate(AuthToken.of(token), deadline());
                } catch (EndpointFailureException expected) {
                  // released when the fault is cleared
                }
              });
      awaitParkedRequests(2); // the login-free validation holds the only connection

      EndpointFailureException failure =
          assertThrows(
              EndpointFailureException.class,
              () -> client.validate(AuthToken.of(token), deadline()));

      assertEquals(Kind.UNAVAILABLE, failure.kind());
      assertTrue(
          failure.getMessage().contains("ConnectionRequestTimeoutException"), failure.getMessage());
      keystone.fault(Fault.none());
      holder.get(10, TimeUnit.SECONDS);
    } finally {
      single.close();
    }
  }

  @Test
  void validateWhenTwoEndpointsThenEachUsesItsOwnServiceToken() throws Exception {
    try (FakeKeystone other =
        FakeKeystone.start(clock).addServiceUser("svc", "svc-pass", "service")) {
      KeystoneClient first = client();
      KeystoneClient second =
          new KeystoneClient(
              other.uri(),
              http,
              new ObjectMapper(),
              new Credentials.Password("svc", "svc-pass", "Default", "service", "Default"),
              true,
              CONNECT,
              REQUEST,
              clock);
      KeystoneTokenFixture fixture =
          KeystoneTokenFixture.create().expiresAt(clock.instant().plusSeconds(3600));
      String token = keystone.issue(fixture);
      other.register(token, fixture);

      assertInstanceOf(
          TokenValidation.Valid.class, first.validate(AuthToken.of(token), deadline()));
      assertInstanceOf(
          TokenValidation.Valid.class, second.validate(AuthToken.of(token), deadline()));

      assertEquals(1, keystone.logins());
      assertEquals(1, other.logins());
      String used = last(other).header("X-Auth-Token");
      assertTrue(other.serviceTokens().contains(used));
      assertFalse(keystone.serviceTokens().contains(used));
    }
  }

  private RecordedRequest lastValidation() {
    return last(keystone);
  }

  private static RecordedRequest last(FakeKeystone server) {
    List<RecordedRequest> requests = server.requests();
    for (int i = requests.size() - 1; i >= 0; i--) {
      if (requests.get(i).method().equals("GET")) {
        return requests.get(i);
      }
    }
    throw new AssertionError("no validation recorded");
  }

  /** Waits (bounded) until the fake has received {@code validations} validations in all. */
  private void awaitParkedRequests(int validations) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (keystone.validations() < validations && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    assertEquals(validations, keystone.validations());
  }
}
