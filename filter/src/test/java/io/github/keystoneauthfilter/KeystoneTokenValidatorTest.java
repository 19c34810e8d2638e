package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.metrics.EndpointFailure;
import io.github.keystoneauthfilter.metrics.EndpointStatus;
import io.github.keystoneauthfilter.metrics.KeystoneAuthMeterBinder;
import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.Fault;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The servlet-free validator reaches the filter's decisions, as outcomes. */
class KeystoneTokenValidatorTest {
  private FakeKeystone site;
  private KeystoneTokenValidator validator;

  @BeforeEach
  void startKeystone() {
    site = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
  }

  @AfterEach
  void stop() {
    if (validator != null) {
      validator.close();
    }
    site.close();
  }

  private KeystoneTokenValidator start(UnaryOperator<KeystoneAuthConfigBuilder> options) {
    validator =
        KeystoneTokenValidator.create(
            options
                .apply(
                    KeystoneAuthConfig.builder()
                        .authUrl(site.uri().toString())
                        .username("svc")
                        .password("svc-pass")
                        .projectName("service"))
                .build());
    return validator;
  }

  private KeystoneTokenValidator start() {
    return start(b -> b);
  }

  private static ValidationOutcome.Invalid invalid(ValidationOutcome outcome) {
    return assertInstanceOf(ValidationOutcome.Invalid.class, outcome);
  }

  @Test
  void validateWhenTokenValidThenConfirmedWithItsIdentity() {
    KeystoneTokenFixture fixture = KeystoneTokenFixture.create().roles("reader");
    String token = site.issue(fixture);

    ValidationOutcome outcome = start().validate(token, null);

    ValidationOutcome.Confirmed confirmed =
        assertInstanceOf(ValidationOutcome.Confirmed.class, outcome);
    assertEquals(fixture.userId(), confirmed.user().userId());
    assertEquals(List.of("reader"), confirmed.user().roles());
    assertNull(confirmed.service());
  }

  @Test
  void validateWhenTokenUnknownThenInvalidWithAReasonWithoutTheToken() {
    String token = "gAAAAAunknown-token-value";

    ValidationOutcome.Invalid outcome = invalid(start().validate(token, null));

    assertFalse(outcome.reason().isBlank());
    assertFalse(outcome.reason().contains(token), outcome.reason());
    assertNull(outcome.user());
    assertFalse(outcome.serviceTokenSent());
  }

  @Test
  void validateWhenNoUsableTokenThenInvalidWithoutAskingKeystone() {
    start();
    assertNotNull(invalid(validator.validate(null, null)));
    assertNotNull(invalid(validator.validate("  ", null)));
    assertNotNull(
        invalid(validator.validate("x".repeat(KeystoneTokenValidator.MAX_TOKEN_LENGTH + 1), null)));
    assertNotNull(invalid(validator.validate("two words", null)));
    assertNotNull(invalid(validator.validate("caf\u00e9", null)));

    assertEquals(0, site.validations());
    assertEquals(5, validator.metrics().requests().invalid());
  }

  @Test
  void validateWhenTokenHasSpacesAroundThenTrimmed() {
    String token = site.issue(KeystoneTokenFixture.create());

    assertInstanceOf(ValidationOutcome.Confirmed.class, start().validate(" " + token + "\t", null));
  }

  @Test
  void validateWhenServiceTokenHasServiceRoleThenExpiredUserTokenConfirmed() {
    String expired =
        site.issue(KeystoneTokenFixture.create().expiresAt(Instant.now().minusSeconds(60)));
    KeystoneTokenFixture serviceUser = KeystoneTokenFixture.create().roles("service");
    String service = site.issue(serviceUser);
    start();

    ValidationOutcome.Confirmed confirmed =
        assertInstanceOf(ValidationOutcome.Confirmed.class, validator.validate(expired, service));
    assertEquals(serviceUser.userId(), confirmed.service().userId());
    // Without the service token, the expired token is what it is.
    assertNull(invalid(validator.validate(expired, null)).user());
  }

  @Test
  void validateWhenServiceTokenLacksRoleThenInvalidKeepingTheUser() {
    KeystoneTokenFixture user = KeystoneTokenFixture.create();
    String userToken = site.issue(user);
    String service = site.issue(KeystoneTokenFixture.create().roles("member"));

    ValidationOutcome.Invalid outcome = invalid(start().validate(userToken, service));

    // What keystonemiddleware passes on with delay_auth_decision: the user, the service refused.
    assertEquals(user.userId(), outcome.user().userId());
    assertNull(outcome.service());
    assertTrue(outcome.serviceTokenSent());
  }

  @Test
  void validateWhenServiceTokenLacksRoleButRolesNotRequiredThenConfirmed() {
    String userToken = site.issue(KeystoneTokenFixture.create());
    String service = site.issue(KeystoneTokenFixture.create().roles("member"));

    ValidationOutcome outcome =
        start(b -> b.serviceTokenRolesRequired(false)).validate(userToken, service);

    assertNotNull(assertInstanceOf(ValidationOutcome.Confirmed.class, outcome).service());
  }

  @Test
  void validateWhenServiceTokenBlankThenAsIfNoneSent() {
    String userToken = site.issue(KeystoneTokenFixture.create());

    ValidationOutcome outcome = start().validate(userToken, " ");

    assertNull(assertInstanceOf(ValidationOutcome.Confirmed.class, outcome).service());
  }

  @Test
  void validateWhenAccessRulesThenOnlyTheRequestsTheyAllow() {
    String token =
        site.issue(
            KeystoneTokenFixture.create()
                .addService(
                    "compute", "nova", KeystoneTokenFixture.endpoint("public", "R", "http://n"))
                .addAccessRule("compute", "GET", "/servers/*"));
    start(b -> b.serviceType("compute"));

    assertInstanceOf(
        ValidationOutcome.Confirmed.class, validator.validate(token, null, "GET", "/servers/1"));
    invalid(validator.validate(token, null, "DELETE", "/servers/1"));
    invalid(validator.validate(token, null, "GET", "/images/1"));
    // A raw path a router could read two ways matches no rule.
    invalid(validator.validate(token, null, "GET", "/servers/%2e%2e/admin"));
    // Without a request, rules cannot be checked: refused.
    invalid(validator.validate(token, null));
  }

  @Test
  void validateWhenKeystoneFailsThenUnavailableWithRetryAfterAndNothingCached() {
    String token = site.issue(KeystoneTokenFixture.create());
    start(b -> b.failoverFailureThreshold(1).failoverOpen(Duration.ofSeconds(30)));
    site.fault(Fault.status(503));

    ValidationOutcome first = validator.validate(token, null);
    ValidationOutcome second = validator.validate(token, null);

    assertInstanceOf(ValidationOutcome.Unavailable.class, first);
    Duration retryAfter =
        assertInstanceOf(ValidationOutcome.Unavailable.class, second).retryAfter();
    assertNotNull(retryAfter, "the breaker is open: its half-open time is known");
    assertTrue(retryAfter.compareTo(Duration.ofSeconds(60)) <= 0, retryAfter.toString());
    EndpointStatus status = validator.endpointStatuses().get(0);
    assertEquals("OPEN", status.state());
    assertEquals(2, validator.metrics().requests().unavailable());
    // The breaker view is the snapshot's endpoint view, not a second set of figures.
    MetricsSnapshot.Endpoint endpoint = validator.metrics().endpoints().get(0);
    assertEquals("OPEN", endpoint.state());
    assertNotNull(endpoint.openUntil());
    assertEquals(1, endpoint.openings());
    assertEquals(status, endpoint.status());
  }

  @Test
  void lastFailuresWhenKeystoneAnswers503ThenNamesTheEndpointAndWhyWithoutTheToken() {
    String token = site.issue(KeystoneTokenFixture.create());
    start();
    validator.validate(token, null);
    assertEquals(List.of(), validator.lastFailures(), "no failure yet");
    site.fault(Fault.status(503));

    validator.validate("another-" + token, null);

    List<EndpointFailure> failures = validator.lastFailures();
    assertEquals(1, failures.size(), failures.toString());
    assertEquals(site.uri(), failures.get(0).url());
    assertTrue(failures.get(0).reason().contains("503"), failures.get(0).reason());
    assertFalse(failures.get(0).reason().contains(token), failures.get(0).reason());
  }

  @Test
  void metricsCountOutcomesAndCacheHits() {
    String token = site.issue(KeystoneTokenFixture.create());
    start();

    validator.validate(token, null);
    validator.validate(token, null);
    validator.validate("unknown", null);

    MetricsSnapshot metrics = validator.metrics();
    assertEquals(2, metrics.requests().confirmed());
    assertEquals(1, metrics.requests().invalid());
    assertEquals(1, metrics.cache().hits());
    assertEquals(2, site.validations());
    assertEquals(site.uri(), validator.endpointStatuses().get(0).url());
  }

  @Test
  void meterBinderWhenBoundToAValidatorThenReadsItsCounters() {
    String token = site.issue(KeystoneTokenFixture.create());
    start();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new KeystoneAuthMeterBinder(validator).bindTo(registry);

    validator.validate(token, null);
    validator.validate(token, null);
    validator.validate(null, null);

    assertEquals(
        2.0,
        registry
            .get("keystone.auth.requests")
            .tag("outcome", "confirmed")
            .functionCounter()
            .count());
    assertEquals(
        1.0,
        registry.get("keystone.auth.requests").tag("outcome", "invalid").functionCounter().count());
    assertEquals(
        1.0,
        registry.get("keystone.auth.cache.gets").tag("result", "hit").functionCounter().count());
    assertEquals(
        1.0,
        registry
            .get("keystone.auth.endpoint.validations")
            .tag("endpoint", site.uri().toString())
            .tag("result", "valid")
            .functionCounter()
            .count());
  }

  @Test
  void closeWhenCalledTwiceThenSecondDoesNothing() {
    start().close();
    validator.close();
  }
}
