package io.github.keystoneauthfilter.internal.keystone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.keystoneauthfilter.config.Credentials;
import io.github.keystoneauthfilter.internal.endpoint.Deadline;
import io.github.keystoneauthfilter.internal.endpoint.EndpointFailureException;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.Fault;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import io.github.keystoneauthfilter.testing.TestCertificates;
import jakarta.ws.rs.client.Client;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to Keystone ({@code cafile}, {@code certfile}/{@code keyfile}, {@code insecure}) against a
 * fake Keystone on Jetty with certificates from a throw-away CA.
 */
class KeystoneTlsTest {
  @TempDir static Path dir;
  private static TestCertificates certs;

  @BeforeAll
  static void pki() throws Exception {
    certs = TestCertificates.create(dir);
  }

  private static TokenValidation validate(FakeKeystone keystone, SSLContext tls, boolean insecure)
      throws EndpointFailureException {
    keystone.addServiceUser("svc", "svc-pass", "service");
    String token = keystone.issue(KeystoneTokenFixture.create());
    Duration timeout = Duration.ofSeconds(5);
    Client http = KeystoneHttp.create(2, 1, timeout, timeout, tls, insecure);
    try {
      KeystoneClient client =
          new KeystoneClient(
              keystone.uri(),
              http,
              new ObjectMapper(),
              new Credentials.Password("svc", "svc-pass", "Default", "service", "Default"),
              false,
              timeout,
              timeout,
              Clock.systemUTC());
      return client.validate(
          AuthToken.of(token), Deadline.after(Duration.ofSeconds(10), System::nanoTime));
    } finally {
      http.close();
    }
  }

  @Test
  void validateWhenCafileTrustsKeystonesCaThenValid() throws Exception {
    try (FakeKeystone keystone =
        FakeKeystone.startTls(certs.serverStore(), TestCertificates.PASSWORD, null)) {
      assertTrue(keystone.uri().toString().startsWith("https://"));

      TokenValidation answer =
          validate(keystone, KeystoneTls.context(certs.ca(), null, null, false), false);

      assertInstanceOf(TokenValidation.Valid.class, answer);
    }
  }

  @Test
  void validateWhenCafileIsAnotherCaThenEndpointFailureNotValid() {
    try (FakeKeystone keystone =
        FakeKeystone.startTls(certs.serverStore(), TestCertificates.PASSWORD, null)) {
      EndpointFailureException failure =
          assertThrows(
              EndpointFailureException.class,
              () ->
                  validate(
                      keystone, KeystoneTls.context(certs.otherCa(), null, null, false), false));

      assertEquals(EndpointFailureException.Kind.UNAVAILABLE, failure.kind());
      assertTrue(failure.getMessage().contains("certification path"), failure.getMessage());
    }
  }

  @Test
  void validateWhenNoCafileThenTheJvmsCasDoNotTrustATestCa() {
    try (FakeKeystone keystone =
        FakeKeystone.startTls(certs.serverStore(), TestCertificates.PASSWORD, null)) {
      assertThrows(EndpointFailureException.class, () -> validate(keystone, null, false));
    }
  }

  @Test
  void validateWhenInsecureThenAnyCertificateIsAccepted() throws Exception {
    try (FakeKeystone keystone =
        FakeKeystone.startTls(certs.serverStore(), TestCertificates.PASSWORD, null)) {
      TokenValidation answer =
          validate(keystone, KeystoneTls.context(null, null, null, true), true);

      assertInstanceOf(TokenValidation.Valid.class, answer);
    }
  }

  @Test
  void validateWhenKeystoneWantsClientCertificateThenCertfileAndKeyfileAreSent() throws Exception {
    try (FakeKeystone keystone =
        FakeKeystone.startTls(
            certs.serverStore(), TestCertificates.PASSWORD, certs.clientCaStore())) {
      TokenValidation answer =
          validate(
              keystone,
              KeystoneTls.context(certs.ca(), certs.clientCertificate(), certs.clientKey(), false),
              false);

      assertInstanceOf(TokenValidation.Valid.class, answer);
    }
  }

  @Test
  void validateWhenKeystoneWantsClientCertificateAndNoneGivenThenEndpointFailure() {
    try (FakeKeystone keystone =
        FakeKeystone.startTls(
            certs.serverStore(), TestCertificates.PASSWORD, certs.clientCaStore())) {
      assertThrows(
          EndpointFailureException.class,
          () -> validate(keystone, KeystoneTls.context(certs.ca(), null, null, false), false));
    }
  }

  @Test
  void contextWhenKeyfileIsPkcs1ThenFailsNamingItAndHowToConvert() {
    IllegalArgumentException failure =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                KeystoneTls.context(
                    certs.ca(), certs.clientCertificate(), certs.clientKeyPkcs1(), false));

    assertTrue(failure.getMessage().contains("keyfile '"), failure.getMessage());
    assertTrue(failure.getMessage().contains("openssl pkcs8 -topk8"), failure.getMessage());
  }

  @Test
  void contextWhenCafileIsNotPemThenFailsNamingIt() {
    IllegalArgumentException failure =
        assertThrows(
            IllegalArgumentException.class,
            () -> KeystoneTls.context(certs.clientKey(), null, null, false));

    assertTrue(failure.getMessage().contains("cafile '"), failure.getMessage());
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void validateWhenAnswerOverTlsTricklesThenCutOffAtTheCallLimit() throws Exception {
    try (FakeKeystone keystone =
        FakeKeystone.startTls(certs.serverStore(), TestCertificates.PASSWORD, null)) {
      keystone.addServiceUser("svc", "svc-pass", "service");
      String token = keystone.issue(KeystoneTokenFixture.create());
      Duration connect = Duration.ofMillis(500);
      Duration request = Duration.ofSeconds(1);
      Client http =
          KeystoneHttp.create(
              2, 1, connect, request, KeystoneTls.context(certs.ca(), null, null, false), false);
      try {
        KeystoneClient client =
            new KeystoneClient(
                keystone.uri(),
                http,
                new ObjectMapper(),
                new Credentials.Password("svc", "svc-pass", "Default", "service", "Default"),
                false,
                connect,
                request,
                Clock.systemUTC());
        client.validate(
            AuthToken.of(token), Deadline.after(Duration.ofSeconds(30), System::nanoTime));
        keystone.faultLogin(false);
        keystone.fault(Fault.trickle(Duration.ofMillis(100)));

        long start = System.nanoTime();
        EndpointFailureException failure =
            assertThrows(
                EndpointFailureException.class,
                () ->
                    client.validate(
                        AuthToken.of(token),
                        Deadline.after(Duration.ofSeconds(30), System::nanoTime)));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        // The call's limit is 1.5 s; trickled over TLS, the answer would take a minute or more.
        assertTrue(failure.getMessage().contains("validation cut off"), failure.getMessage());
        assertTrue(waited < 6_000, "waited " + waited + " ms");
      } finally {
        http.close();
      }
    }
  }
}
