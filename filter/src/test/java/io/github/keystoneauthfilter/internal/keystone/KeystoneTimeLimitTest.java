package io.github.keystoneauthfilter.internal.keystone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.keystoneauthfilter.config.Credentials;
import io.github.keystoneauthfilter.internal.endpoint.CircuitBreaker;
import io.github.keystoneauthfilter.internal.endpoint.CircuitBreaker.StateName;
import io.github.keystoneauthfilter.internal.endpoint.Deadline;
import io.github.keystoneauthfilter.internal.endpoint.EndpointFailureException;
import io.github.keystoneauthfilter.internal.endpoint.EndpointFailureException.Kind;
import io.github.keystoneauthfilter.internal.endpoint.EndpointMember;
import io.github.keystoneauthfilter.internal.endpoint.EndpointPool;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.Fault;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import io.github.keystoneauthfilter.testing.MutableClock;
import jakarta.ws.rs.client.Client;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Time limits that hold for the whole call, over real HTTP against {@link FakeKeystone}s: a
 * Keystone that trickles its answer (each read returns long before any read timeout) is cut off at
 * the call's limit or the request's deadline, whichever comes first; the service login counts
 * against the same deadline; a wait for a pooled connection ends with the deadline; a call cut off
 * is an endpoint failure (the breaker hears of it, the next site answers) and gives its connection
 * back. Bounds are generous for a loaded 2-core machine: each would-be wait is 20 s or more.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeystoneTimeLimitTest {
  private static final Duration TRICKLE = Duration.ofMillis(100);
  private static final Duration CONNECT = Duration.ofMillis(500);
  private static final Duration REQUEST = Duration.ofSeconds(1);
  private static final Duration LONG = Duration.ofSeconds(30);

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
  private final List<Client> clients = new ArrayList<>();
  private FakeKeystone keystone;
  private FakeKeystone other;
  private KeystoneTokenFixture fixture;
  private String token;

  @BeforeEach
  void start() {
    keystone = FakeKeystone.start(clock).addServiceUser("svc", "svc-pass", "service");
    other = FakeKeystone.start(clock).addServiceUser("svc", "svc-pass", "service");
    fixture =
        KeystoneTokenFixture.create()
            .roles("member", "reader")
            .expiresAt(clock.instant().plusSeconds(3600));
    token = keystone.issue(fixture);
    other.register(token, fixture);
    // The premise: trickled, the answer would take far longer than any bound asserted here.
    long trickledMillis = fixture.toJsonString().length() * TRICKLE.toMillis();
    assertTrue(trickledMillis >= 20_000, "a trickled answer takes " + trickledMillis + " ms");
  }

  @AfterEach
  void stop() {
    keystone.close();
    other.close();
    clients.forEach(Client::close);
  }

  private Client http(int connectionsPerEndpoint, Duration connect, Duration request) {
    Client client = KeystoneHttp.create(connectionsPerEndpoint, 2, connect, request);
    clients.add(client);
    return client;
  }

  private KeystoneClient client(
      FakeKeystone server, Client http, Duration connect, Duration request) {
    return new KeystoneClient(
        server.uri(),
        http,
        new ObjectMapper(),
        new Credentials.Password("svc", "svc-pass", "Default", "service", "Default"),
        false,
        connect,
        request,
        clock);
  }

  private static Deadline deadline(Duration budget) {
    return Deadline.after(budget, System::nanoTime);
  }

  private static long millisSince(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  /** Validates once (logging in), then trickles every validation (logins answer normally). */
  private void loggedInThenTrickling(KeystoneClient client) throws Exception {
    client.validate(AuthToken.of(token), deadline(LONG));
    keystone.faultLogin(false);
    keystone.fault(Fault.trickle(TRICKLE));
  }

  @Test
  void validateWhenAnswerTricklesThenCutOffAtConnectPlusRequestTimeout() throws Exception {
    KeystoneClient client = client(keystone, http(4, CONNECT, REQUEST), CONNECT, REQUEST);
    loggedInThenTrickling(client);

    long start = System.nanoTime();
    EndpointFailureException failure =
        assertThrows(
            EndpointFailureException.class,
            () -> client.validate(AuthToken.of(token), deadline(LONG)));
    long waited = millisSince(start);

    assertEquals(Kind.UNAVAILABLE, failure.kind());
    assertTrue(failure.getMessage().contains("validation cut off"), failure.getMessage());
    assertTrue(
        failure.getMessage().contains("http_connect_timeout + http_request_timeout"),
        failure.getMessage());
    // The call's limit is 1.5 s; trickled, the answer takes 20 s or more.
    assertTrue(waited < 6_000, "waited " + waited + " ms");
    // The cut connection was discarded, not left half-read in the pool: the next call works.
    keystone.fault(Fault.none());
    assertInstanceOf(
        TokenValidation.Valid.class, client.validate(AuthToken.of(token), deadline(LONG)));
  }

  @Test
  void validateWhenDeadlineEndsBeforeTheCallLimitThenTheDeadlineCutsTheTrickle() throws Exception {
    KeystoneClient client = client(keystone, http(4, LONG, LONG), LONG, LONG);
    loggedInThenTrickling(client);

    long start = System.nanoTime();
    EndpointFailureException failure =
        assertThrows(
            EndpointFailureException.class,
            () -> client.validate(AuthToken.of(token), deadline(Duration.ofSeconds(1))));
    long waited = millisSince(start);

    assertEquals(Kind.UNAVAILABLE, failure.kind());
    assertTrue(failure.getMessage().contains("failover_deadline"), failure.getMessage());
    assertTrue(waited < 4_000, "waited " + waited + " ms (deadline 1 s)");
  }

  @Test
  void validateWhenServiceLoginTricklesThenTheLoginIsCutOffWithinTheDeadline() {
    KeystoneClient client = client(keystone, http(4, LONG, LONG), LONG, LONG);
    keystone.fault(Fault.trickle(TRICKLE)); // logins too

    long start = System.nanoTime();
    EndpointFailureException failure =
        assertThrows(
            EndpointFailureException.class,
            () -> client.validate(AuthToken.of(token), deadline(Duration.ofSeconds(1))));
    long waited = millisSince(start);

    assertEquals(Kind.UNAVAILABLE, failure.kind());
    assertTrue(failure.getMessage().contains("service login cut off"), failure.getMessage());
    assertTrue(waited < 4_000, "waited " + waited + " ms (deadline 1 s)");
    assertEquals(0, keystone.validations());
  }

  @Test
  void validateWhenThePoolIsHeldByAHungCallThenThePoolWaitEndsWithTheDeadline() throws Exception {
    // One connection; a wait for it could last the connect timeout (30 s) but the deadline is 1 s.
    KeystoneClient client = client(keystone, http(1, LONG, LONG), LONG, LONG);
    client.validate(AuthToken.of(token), deadline(LONG));
    keystone.faultLogin(false);
    keystone.fault(Fault.hang());
    CompletableFuture<TokenValidation> holder =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return client.validate(AuthToken.of(token), deadline(LONG));
              } catch (EndpointFailureException e) {
                throw new IllegalStateException(e);
              }
            });
    awaitValidations(keystone, 2); // the holder's validation is parked on the only connection

    long start = System.nanoTime();
    EndpointFailureException failure =
        assertThrows(
            EndpointFailureException.class,
            () -> client.validate(AuthToken.of(token), deadline(Duration.ofSeconds(1))));
    long waited = millisSince(start);

    assertEquals(Kind.UNAVAILABLE, failure.kind());
    assertTrue(waited < 4_000, "waited " + waited + " ms (deadline 1 s, connect timeout 30 s)");
    assertEquals(2, keystone.validations(), "the waiting call never got a connection");
    keystone.fault(Fault.none()); // the holder is answered
    assertInstanceOf(TokenValidation.Valid.class, holder.get(10, TimeUnit.SECONDS));
  }

  @Test
  void validateWhenFirstSiteTricklesThenBreakerCountsItAndSecondSiteAnswersInTime()
      throws Exception {
    Duration deadline = Duration.ofSeconds(4);
    Client http = http(4, CONNECT, REQUEST);
    EndpointPool pool = pool(http, deadline, 1);
    assertInstanceOf(TokenValidation.Valid.class, pool.validate(AuthToken.of(token)));
    keystone.faultLogin(false);
    keystone.fault(Fault.trickle(TRICKLE));

    long start = System.nanoTime();
    TokenValidation answer = pool.validate(AuthToken.of(token));
    long waited = millisSince(start);

    assertInstanceOf(TokenValidation.Valid.class, answer);
    assertTrue(waited < deadline.toMillis() + 2_000, "waited " + waited + " ms (deadline 4 s)");
    EndpointMember first = pool.members().get(0);
    assertEquals(1, first.failures());
    CircuitBreaker breaker = first.breaker();
    assertEquals(StateName.OPEN, breaker.state().name(), "threshold 1: the cut-off call opened it");
    assertEquals(1, pool.members().get(1).valid());
  }

  @Test
  void validateWhenFirstSitesOnlyConnectionIsHeldByATrickleThenFailsOverAndGetsItBackAfterCut()
      throws Exception {
    Duration deadline = Duration.ofSeconds(5);
    EndpointPool pool = pool(http(1, CONNECT, REQUEST), deadline, 3);
    assertInstanceOf(TokenValidation.Valid.class, pool.validate(AuthToken.of(token)));
    keystone.faultLogin(false);
    keystone.fault(Fault.trickle(TRICKLE));
    CompletableFuture<TokenValidation> holder =
        CompletableFuture.supplyAsync(() -> pool.validate(AuthToken.of(token)));
    awaitValidations(keystone, 2); // the holder is being trickled on the only connection

    long start = System.nanoTime();
    TokenValidation answer = pool.validate(AuthToken.of(token));
    long waited = millisSince(start);

    assertInstanceOf(TokenValidation.Valid.class, answer);
    assertTrue(waited < deadline.toMillis() + 2_000, "waited " + waited + " ms (deadline 5 s)");
    assertEquals(
        2, keystone.validations(), "the second call never got the first site's connection");
    // The holder is cut off at its call limit (1.5 s), fails over, and gives the connection back.
    assertInstanceOf(TokenValidation.Valid.class, holder.get(10, TimeUnit.SECONDS));
    keystone.fault(Fault.none());
    assertInstanceOf(TokenValidation.Valid.class, pool.validate(AuthToken.of(token)));
    assertEquals(3, keystone.validations());
    assertEquals(2, pool.members().get(0).valid(), "the first site answered again");
  }

  @Test
  void closeWhenTheHttpClientIsClosedThenItsWatchdogStopsToo() throws Exception {
    Client http = KeystoneHttp.create(1, 1, CONNECT, REQUEST);
    KeystoneClient client = client(keystone, http, CONNECT, REQUEST);
    client.validate(AuthToken.of(token), deadline(LONG)); // the watchdog has timed a call
    CallWatchdog watchdog = KeystoneHttp.watchdog(http);

    http.close();

    // Its timer thread must not outlive the filter (a servlet container would see a leak).
    assertTrue(watchdog.isClosed());
  }

  /** The two fakes in order, each with its breaker (threshold as given). */
  private EndpointPool pool(Client http, Duration deadline, int threshold) {
    List<EndpointMember> members = new ArrayList<>();
    for (FakeKeystone server : List.of(keystone, other)) {
      members.add(
          new EndpointMember(
              client(server, http, CONNECT, REQUEST),
              new CircuitBreaker(
                  server.uri(),
                  threshold,
                  Duration.ofSeconds(30),
                  Duration.ofSeconds(60),
                  deadline,
                  clock,
                  () -> 0.0)));
    }
    return new EndpointPool(members, deadline, false, clock, System::nanoTime);
  }

  /** Waits (bounded) until {@code server} has received {@code validations} validations. */
  private static void awaitValidations(FakeKeystone server, int validations)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (server.validations() < validations && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    assertEquals(validations, server.validations());
  }
}
