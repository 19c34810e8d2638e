package io.github.keystoneauthfilter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.KeystoneAuthConfigBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What {@link KeystoneAuthConfigBuilder#build()} returns, grouped and typed. */
@Timeout(30)
class ConfigGroupsTest {
  private static final String PASSWORD = "pw-Xq93-never-shown";
  private static final String SECRET = "ac-secret-Zr71-never-shown";
  private static final String MEMCACHE_KEY = "mc-key-Lp20-never-shown";

  private static KeystoneAuthConfigBuilder password() {
    return KeystoneAuthConfig.builder()
        .authUrl("http://127.0.0.1:5000/v3")
        .username("nova")
        .password(PASSWORD)
        .projectName("service");
  }

  @Test
  void passwordLoginIsPasswordCredentialsWithEveryPartAndNoSecretInToString() {
    KeystoneAuthConfig config = password().userDomainName("users").build();

    Credentials.Password login = assertInstanceOf(Credentials.Password.class, config.credentials());

    assertEquals(new Credentials.Password("nova", PASSWORD, "users", "service", "Default"), login);
    assertFalse(login.toString().contains(PASSWORD), "toString shows the password");
  }

  @Test
  void applicationCredentialIsApplicationCredentialWithoutPasswordAndNoSecretInToString() {
    KeystoneAuthConfig config =
        KeystoneAuthConfig.builder()
            .authUrl("http://127.0.0.1:5000")
            .authType(KeystoneAuthConfig.AuthType.APPLICATION_CREDENTIAL)
            .applicationCredentialId("ac-id")
            .applicationCredentialSecret(SECRET)
            .build();

    Credentials.ApplicationCredential login =
        assertInstanceOf(Credentials.ApplicationCredential.class, config.credentials());

    assertEquals(
        new Credentials.ApplicationCredential("ac-id", null, null, "Default", SECRET), login);
    assertFalse(login.toString().contains(SECRET), "toString shows the secret");
  }

  @Test
  void tlsCarriesTheClientCertificateOnlyWithBothFiles(@TempDir Path dir) throws IOException {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "c");
    Path key = Files.writeString(dir.resolve("key.pem"), "k");

    TlsSettings with =
        password().certfile(cert.toString()).keyfile(key.toString()).insecure(true).build().tls();
    TlsSettings without = password().build().tls();

    assertEquals(new TlsSettings(null, new TlsSettings.ClientCertificate(cert, key), true), with);
    assertNull(without.clientCertificate());
  }

  @Test
  void sharedCacheProtectionCarriesTheKeyOfItsStrategyAndHidesIt() {
    SharedCacheSettings mac =
        password()
            .memcachedServers(java.util.List.of("127.0.0.1:11211"))
            .memcacheSecurityStrategy(KeystoneAuthConfig.MemcacheSecurityStrategy.MAC)
            .memcacheSecretKey(MEMCACHE_KEY)
            .build()
            .sharedCache();
    SharedCacheSettings encrypt =
        password()
            .memcacheSecurityStrategy(KeystoneAuthConfig.MemcacheSecurityStrategy.ENCRYPT)
            .memcacheSecretKey(MEMCACHE_KEY)
            .build()
            .sharedCache();
    SharedCacheSettings none = password().build().sharedCache();

    assertEquals(new SharedCacheSettings.Signed(MEMCACHE_KEY), mac.protection());
    assertEquals(
        java.util.List.of(InetSocketAddress.createUnresolved("127.0.0.1", 11211)), mac.servers());
    assertEquals(new SharedCacheSettings.Encrypted(MEMCACHE_KEY), encrypt.protection());
    assertInstanceOf(SharedCacheSettings.Unprotected.class, none.protection());
    assertFalse(mac.toString().contains(MEMCACHE_KEY), "toString shows the MAC key");
    assertFalse(encrypt.toString().contains(MEMCACHE_KEY), "toString shows the ENCRYPT key");
  }

  @Test
  void failoverAndTokenCacheGroupTheirOptions() {
    KeystoneAuthConfig config =
        password()
            .failoverDeadline(Duration.ofSeconds(7))
            .failoverFailureThreshold(4)
            .failoverOpen(Duration.ofSeconds(2))
            .failoverMaxOpen(Duration.ofSeconds(9))
            .failoverOnNotFound(true)
            .tokenCacheTime(Duration.ofSeconds(30))
            .tokenCacheMaxEntries(12)
            .invalidTokenCacheTime(Duration.ofSeconds(3))
            .invalidTokenCacheMaxEntries(13)
            .build();

    assertEquals(
        new FailoverSettings(
            Duration.ofSeconds(7), 4, Duration.ofSeconds(2), Duration.ofSeconds(9), true),
        config.failover());
    assertEquals(
        new TokenCacheSettings(Duration.ofSeconds(30), 12, Duration.ofSeconds(3), 13),
        config.tokenCache());
  }
}
