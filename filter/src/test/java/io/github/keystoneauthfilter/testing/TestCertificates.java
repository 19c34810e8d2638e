package io.github.keystoneauthfilter.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A throw-away PKI made with the {@code openssl} and {@code keytool} commands: a test CA, a server
 * certificate for 127.0.0.1 signed by it, a client certificate signed by it, and an unrelated CA.
 * PEM files as keystonemiddleware's {@code cafile}/{@code certfile}/{@code keyfile} take them;
 * PKCS#12 stores for Jetty.
 */
public final class TestCertificates {
  /** Password of every PKCS#12 store here. */
  public static final String PASSWORD = "changeit";

  private final Path dir;

  private TestCertificates(Path dir) {
    this.dir = dir;
  }

  /** Makes the whole set in {@code dir} (a few seconds: RSA key generation). */
  public static TestCertificates create(Path dir) throws IOException, InterruptedException {
    TestCertificates certs = new TestCertificates(dir);
    certs.openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=kaf-test-ca");
    certs.openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "other-ca.key",
        "-out",
        "other-ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=kaf-other-ca");
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
    certs.signed("server", "/CN=127.0.0.1", "san.ext");
    certs.signed("client", "/CN=kaf-client", null);
    certs.openssl(
        "pkcs12",
        "-export",
        "-in",
        "server.pem",
        "-inkey",
        "server.key",
        "-certfile",
        "ca.pem",
        "-out",
        "server.p12",
        "-passout",
        "pass:" + PASSWORD);
    certs.run(
        "keytool",
        "-importcert",
        "-noprompt",
        "-alias",
        "ca",
        "-file",
        "ca.pem",
        "-keystore",
        "client-cas.p12",
        "-storetype",
        "PKCS12",
        "-storepass",
        PASSWORD);
    certs.openssl("pkey", "-in", "client.key", "-traditional", "-out", "client-pkcs1.key");
    return certs;
  }

  /** The test CA's certificate (PEM). */
  public Path ca() {
    return dir.resolve("ca.pem");
  }

  /** An unrelated CA's certificate (PEM). */
  public Path otherCa() {
    return dir.resolve("other-ca.pem");
  }

  /** The server's key and certificate chain for 127.0.0.1 (PKCS#12). */
  public Path serverStore() {
    return dir.resolve("server.p12");
  }

  /** A trust store holding the test CA, for a server that checks client certificates. */
  public Path clientCaStore() {
    return dir.resolve("client-cas.p12");
  }

  /** The client certificate (PEM), signed by the test CA. */
  public Path clientCertificate() {
    return dir.resolve("client.pem");
  }

  /** The client's private key, PKCS#8 PEM. */
  public Path clientKey() {
    return dir.resolve("client.key");
  }

  /** The same key in the older PKCS#1 PEM form ({@code BEGIN RSA PRIVATE KEY}). */
  public Path clientKeyPkcs1() {
    return dir.resolve("client-pkcs1.key");
  }

  private void signed(String name, String subject, @Nullable String extensions)
      throws IOException, InterruptedException {
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".csr",
        "-subj",
        subject);
    List<String> sign =
        new ArrayList<>(
            List.of(
                "x509",
                "-req",
                "-in",
                name + ".csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                name + ".pem",
                "-days",
                "2"));
    if (extensions != null) {
      sign.addAll(List.of("-extfile", extensions));
    }
    openssl(sign.toArray(new String[0]));
  }

  private void openssl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    run(command.toArray(new String[0]));
  }

  private void run(String... command) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }
}
