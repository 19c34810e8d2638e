package io.github.keystoneauthfilter.internal.keystone;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * The TLS context for calls to Keystone from keystonemiddleware's options: {@code cafile} (PEM CA
 * bundle; default: the JVM's trusted CAs), {@code certfile} + {@code keyfile} (PEM client
 * certificate chain and PKCS#8 PEM private key), {@code insecure} (no verification at all).
 */
public final class KeystoneTls {
  private KeystoneTls() {}

  /**
   * Builds the context.
   *
   * @return the context, or null for the JVM's default
   * @throws IllegalArgumentException naming the option whose file cannot be used
   */
  public static @Nullable SSLContext context(
      @Nullable Path cafile, @Nullable Path certfile, @Nullable Path keyfile, boolean insecure) {
    if (cafile == null && certfile == null && !insecure) {
      return null;
    }
    try {
      TrustManager[] trust = null;
      if (insecure) {
        trust = new TrustManager[] {new TrustEverything()};
      } else if (cafile != null) {
        KeyStore cas = KeyStore.getInstance("PKCS12");
        cas.load(null, null);
        int i = 0;
        for (Certificate ca : certificates("cafile", cafile)) {
          cas.setCertificateEntry("ca-" + i++, ca);
        }
        TrustManagerFactory factory =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(cas);
        trust = factory.getTrustManagers();
      }
      KeyManagerFactory keys = null;
      if (certfile != null && keyfile != null) {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] none = new char[0];
        store.setKeyEntry(
            "client",
            privateKey(keyfile),
            none,
            certificates("certfile", certfile).toArray(new Certificate[0]));
        keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, none);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys == null ? null : keys.getKeyManagers(), trust, null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("cannot set up TLS to Keystone: " + e.getMessage(), e);
    }
  }

  private static Collection<? extends Certificate> certificates(String option, Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      Collection<? extends Certificate> certificates =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException(option + " '" + file + "' holds no PEM certificate");
      }
      return certificates;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          option + " '" + file + "' is not a readable PEM certificate file: " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path file) {
    String pem;
    try {
      pem = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException("keyfile '" + file + "' cannot be read", e);
    }
    String begin = "-----BEGIN PRIVATE KEY-----";
    int start = pem.indexOf(begin);
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (start < 0 || end < start) {
      throw new IllegalArgumentException(
          "keyfile '"
              + file
              + "' must be an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY); convert it with"
              + " 'openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8'");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(start + begin.length(), end).strip());
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException notThisOne) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException(
        "keyfile '" + file + "' holds no RSA, EC or Ed25519 private key");
  }

  /** {@code insecure=true}: accepts any certificate. Logged loudly by the filter. */
  private static final class TrustEverything extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
