package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import java.time.Duration;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * At start the validator logs in at every endpoint ahead of any request, so that the first
 * validation at a site (a failover or a hedge to a site not asked before) pays no login of its own.
 */
class LoginAheadTest {
  private final FakeKeystone primary = FakeKeystone.start().addServiceUser("svc", "pw", "service");
  private final FakeKeystone secondary =
      FakeKeystone.start().addServiceUser("svc", "pw", "service");
  private KeystoneTokenValidator validator;

  @AfterEach
  void stop() {
    if (validator != null) {
      validator.close();
    }
    primary.close();
    secondary.close();
  }

  private KeystoneTokenValidator start() {
    validator =
        KeystoneTokenValidator.create(
            KeystoneAuthConfig.builder()
                .authUrl(primary.uri().toString())
                .authUrl(secondary.uri().toString())
                .username("svc")
                .password("pw")
                .projectName("service")
                .failoverHedgeOff()
                .build());
    return validator;
  }

  /** Waits (bounded) until {@code count} reaches {@code expected}; its last value otherwise. */
  private static int awaitCount(IntSupplier count, int expected) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (count.getAsInt() < expected && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    return count.getAsInt();
  }

  @Test
  void startWhenSitesUpThenEachLoggedInOnceBeforeAnyRequest() throws Exception {
    start();

    assertEquals(1, awaitCount(primary::logins, 1));
    assertEquals(1, awaitCount(secondary::logins, 1));
    assertEquals(0, primary.validations());
    assertEquals(0, secondary.validations());
  }

  @Test
  void validateWhenPrimaryDownAfterStartThenSecondaryAnswersWithoutLoggingInAgain()
      throws Exception {
    KeystoneTokenFixture fixture = KeystoneTokenFixture.create().roles("reader");
    String token = secondary.issue(fixture);
    start();
    assertEquals(1, awaitCount(secondary::logins, 1));
    primary.close(); // refused from now on: the validation fails over to the secondary

    ValidationOutcome outcome = validator.validate(token, null);

    assertInstanceOf(ValidationOutcome.Confirmed.class, outcome);
    assertEquals(1, secondary.validations());
    assertEquals(1, secondary.logins(), "the login made at start served the first validation");
  }

  @Test
  void startWhenASiteIsDownThenValidationsAtTheOthersWork() throws Exception {
    secondary.close();
    String token = primary.issue(KeystoneTokenFixture.create());

    start();
    ValidationOutcome outcome = validator.validate(token, null);

    assertInstanceOf(ValidationOutcome.Confirmed.class, outcome);
    assertEquals(1, primary.logins(), "one login at the primary, shared by start and request");
  }
}
