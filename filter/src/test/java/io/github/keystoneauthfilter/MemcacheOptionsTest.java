package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.KeystoneAuthConfig.MemcacheSecurityStrategy;
import io.github.keystoneauthfilter.config.SharedCacheSettings;
import io.github.keystoneauthfilter.internal.config.InitParameters;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The shared cache's options: keystonemiddleware's names, checked as strictly as the others. */
class MemcacheOptionsTest {

  private static Map<String, String> with(String... pairs) {
    Map<String, String> params = new HashMap<>();
    params.put("auth_url", "http://127.0.0.1:5000/v3");
    params.put("username", "svc");
    params.put("password", "svc-pass");
    params.put("project_name", "service");
    for (int i = 0; i < pairs.length; i += 2) {
      params.put(pairs[i], pairs[i + 1]);
    }
    return params;
  }

  private static KeystoneAuthConfig parse(String... pairs) {
    return InitParameters.parse(with(pairs)).build();
  }

  private static String error(String... pairs) {
    return assertThrows(IllegalArgumentException.class, () -> parse(pairs)).getMessage();
  }

  @Test
  void defaults_noSharedCache() {
    KeystoneAuthConfig config = parse();
    assertTrue(config.sharedCache().servers().isEmpty());
    assertEquals(MemcacheSecurityStrategy.NONE, config.memcacheSecurityStrategy());
    assertNull(config.memcacheSecretKey());
    assertEquals(Duration.ofSeconds(1), config.sharedCache().socketTimeout());
    assertEquals(Duration.ofSeconds(300), config.sharedCache().deadRetry());
    assertEquals(2, config.sharedCache().poolMaxsize());
  }

  @Test
  void servers_parseInOrder_withIpv6InBrackets_andTheDeprecatedName() {
    KeystoneAuthConfig config =
        parse("memcached_servers", " 127.0.0.1:11211, cache.example.com:11212 ,[::1]:11213");
    assertEquals(
        List.of(
            InetSocketAddress.createUnresolved("127.0.0.1", 11211),
            InetSocketAddress.createUnresolved("cache.example.com", 11212),
            InetSocketAddress.createUnresolved("::1", 11213)),
        config.sharedCache().servers());
    assertEquals(1, parse("memcache_servers", "127.0.0.1:11211").sharedCache().servers().size());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "127.0.0.1:",
        ":11211",
        "127.0.0.1:0",
        "127.0.0.1:65536",
        "::1:11211",
        "127.0.0.1:11211,",
        "host name:11211",
        "127.0.0.1:11x"
      })
  void badServers_nameTheOptionAndTheValue(String value) {
    String message = error("memcached_servers", value);
    assertTrue(message.startsWith("memcached_servers must be host:port entries"), message);
    assertTrue(message.contains("'"), message);
  }

  @ParameterizedTest
  @CsvSource({
    "None,NONE",
    "none,NONE",
    "MAC,MAC",
    "mac,MAC",
    "ENCRYPT,ENCRYPT",
    "encrypt,ENCRYPT",
    "Encrypt,ENCRYPT"
  })
  void strategy_inAnyLetterCase_parsesToThatStrategy(
      String value, MemcacheSecurityStrategy expected) {
    // Only the parsing: that ENCRYPT then encrypts entries is EntryProtectionTest's and
    // SharedTokenCacheTest's business.
    KeystoneAuthConfig config =
        parse("memcache_security_strategy", value, "memcache_secret_key", "s3cret");
    assertEquals(expected, config.memcacheSecurityStrategy());
  }

  @Test
  void unknownStrategy_isRefused() {
    assertEquals(
        "memcache_security_strategy must be None, MAC or ENCRYPT (any case) but was 'AES'",
        error("memcache_security_strategy", "AES"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"MAC", "encrypt"})
  void aStrategy_needsTheSecret(String strategy) {
    String message = error("memcache_security_strategy", strategy);
    assertTrue(
        message.startsWith("memcache_secret_key is required when memcache_security_strategy is"),
        message);
    assertTrue(
        error("memcache_security_strategy", strategy, "memcache_secret_key", "  ")
            .contains("memcache_secret_key must not be blank"));
  }

  @Test
  void theSecret_neverAppearsInMessagesOrToString() {
    String message = error("memcache_secret_key", " ");
    assertFalse(message.contains("but was"));
    KeystoneAuthConfig config =
        parse(
            "memcached_servers", "127.0.0.1:11211",
            "memcache_security_strategy", "ENCRYPT",
            "memcache_secret_key", "very-secret-key");
    assertFalse(config.toString().contains("very-secret-key"));
    assertTrue(config.toString().contains("memcache_security_strategy=ENCRYPT"));
  }

  @Test
  void timeoutsPoolAndDeadRetry_parseAndAreChecked() {
    KeystoneAuthConfig config =
        parse(
            "memcache_pool_socket_timeout", "0.25",
            "memcache_pool_dead_retry", "30",
            "memcache_pool_maxsize", "4");
    assertEquals(Duration.ofMillis(250), config.sharedCache().socketTimeout());
    assertEquals(Duration.ofSeconds(30), config.sharedCache().deadRetry());
    assertEquals(4, config.sharedCache().poolMaxsize());
    assertEquals(
        "memcache_pool_socket_timeout must be a positive number of seconds such as 5 or 0.5 but"
            + " was '0'",
        error("memcache_pool_socket_timeout", "0"));
    assertTrue(error("memcache_pool_dead_retry", "-1").startsWith("memcache_pool_dead_retry"));
    assertTrue(error("memcache_pool_maxsize", "0").startsWith("memcache_pool_maxsize"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"memcache_tls_enabled", "memcache_sasl_enabled"})
  void tlsOrSaslTurnedOn_failsRatherThanSilentlySendingPlainText(String option) {
    String message = error(option, "true");
    assertTrue(message.startsWith(option + "=true is not supported"), message);
    parse(option, "false"); // off is what the filter does anyway
  }

  @Test
  void entryFormat_defaultsToNative_takesKeystonemiddleware_andRefusesOtherValues() {
    assertEquals(SharedCacheSettings.EntryFormat.NATIVE, parse().sharedCache().entryFormat());
    KeystoneAuthConfig config =
        parse(
            "memcached_servers", "127.0.0.1:11211",
            "memcache_entry_format", " Keystonemiddleware ");
    assertEquals(
        SharedCacheSettings.EntryFormat.KEYSTONEMIDDLEWARE, config.sharedCache().entryFormat());
    assertTrue(config.toString().contains("memcache_entry_format=keystonemiddleware"));
    String message = error("memcache_entry_format", "python");
    assertTrue(
        message.startsWith("memcache_entry_format") && message.contains("'python'"), message);
  }

  @Test
  void keystonemiddlewaresEntryFormat_onRedis_isRefused() {
    String message =
        error("redis_url", "redis://127.0.0.1:6379", "memcache_entry_format", "keystonemiddleware");
    assertTrue(message.startsWith("memcache_entry_format=keystonemiddleware"), message);
    assertTrue(message.contains("redis_url"), message);
  }
}
