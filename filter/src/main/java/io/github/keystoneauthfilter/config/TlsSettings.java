package io.github.keystoneauthfilter.config;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * TLS towards Keystone.
 *
 * @param cafile {@code cafile}: PEM CA bundle trusted for Keystone's certificates, or null (the
 *     JVM's)
 * @param clientCertificate {@code certfile} with {@code keyfile} for mutual TLS, or null (both
 *     unset)
 * @param insecure {@code insecure}: Keystone's certificate is not verified at all
 */
public record TlsSettings(
    @Nullable Path cafile, @Nullable ClientCertificate clientCertificate, boolean insecure) {

  /**
   * A client certificate and its key, always set together.
   *
   * @param certfile {@code certfile}: PEM certificate (chain)
   * @param keyfile {@code keyfile}: unencrypted PKCS#8 PEM private key of {@code certfile}
   */
  public record ClientCertificate(Path certfile, Path keyfile) {}
}
