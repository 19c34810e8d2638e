package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * At start the validator logs in at every endpoint ahead of any request, so that the first
 * validation at a site (a failover or a hedge to a site not asked before) pays no login of its own;
 * then it runs the JSON path on a canned answer, so that the first miss finds it loaded.
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

  @Test
  void startThenJsonPathWarmedOnTheLoginThreadWithoutValidatingOrCounting() throws Exception {
    Logger logger = Logger.getLogger("io.github.keystoneauthfilter");
    AtomicReference<String> summary = new AtomicReference<>();
    CountDownLatch logged = new CountDownLatch(1);
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            String message = record.getMessage();
            if (message != null && message.startsWith("service login at start")) {
              Object[] parameters = record.getParameters();
              summary.set(String.valueOf(parameters[parameters.length - 1]));
              logged.countDown();
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(capture);
    try {
      start();
      assertTrue(logged.await(20, TimeUnit.SECONDS), "no summary of the start-up thread");
    } finally {
      logger.removeHandler(capture);
    }

    assertEquals("warmed", summary.get());
    assertEquals(0, primary.validations(), "the warm-up sends nothing to Keystone");
    assertEquals(0, secondary.validations());
    assertEquals(0, validator.metrics().requests().confirmed(), "nor counts a request");
    assertEquals(0, validator.metrics().cache().size(), "nor caches an identity");
  }
}
