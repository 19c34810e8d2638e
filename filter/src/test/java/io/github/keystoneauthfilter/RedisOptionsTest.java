package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.config.RedisSettings;
import io.github.keystoneauthfilter.internal.config.InitParameters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code redis_url} and {@code redis_cafile}: the shared cache on Redis, checked at start. */
class RedisOptionsTest {

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
  void unset_noRedis() {
    assertNull(parse().sharedCache().redis());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "redis://127.0.0.1:6379",
        "redis://cache.example.com",
        "redis://127.0.0.1:6379/3",
        "rediss://app:secret@cache.example.com:6380/0",
        "redis://[::1]:6379",
        "redis-sentinel://10.0.0.1:26379,10.0.0.2:26379#mymaster",
        "rediss-sentinel://:pw@10.0.0.1:26379/1#mymaster",
        "redis-cluster://10.0.0.1:7000,10.0.0.2:7001",
        "rediss-cluster://app:pw@10.0.0.1:7000"
      })
  void theDocumentedForms_areAccepted(String url) {
    RedisSettings redis = parse("redis_url", " " + url + " ").sharedCache().redis();
    assertNotNull(redis);
    assertEquals(url, redis.url());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1:6379",
        "http://127.0.0.1:6379",
        "redis://",
        "redis://127.0.0.1:6379,127.0.0.2:6379",
        "redis://127.0.0.1:0",
        "redis://127.0.0.1:65536",
        "redis://127.0.0.1:6379/x",
        "redis://127.0.0.1:6379#master",
        "redis-sentinel://10.0.0.1:26379",
        "redis-cluster://10.0.0.1:7000/1",
        "redis://host name:6379"
      })
  void otherForms_failNamingTheOptionAndTheValue(String url) {
    String message = error("redis_url", url);
    assertTrue(message.startsWith("redis_url must be one of redis://"), message);
    assertTrue(message.endsWith("but was '" + url + "'"), message);
  }

  @Test
  void aBadUrl_neverShowsItsPassword() {
    String message = error("redis_url", "redis://app:s3cret-pw@127.0.0.1:0");
    assertFalse(message.contains("s3cret-pw"), message);
    assertTrue(message.contains("'redis://***@127.0.0.1:0'"), message);
  }

  @Test
  void theSettingsText_masksThePassword() {
    KeystoneAuthConfig config = parse("redis_url", "rediss://app:s3cret-pw@cache:6380");
    assertFalse(config.toString().contains("s3cret-pw"), config.toString());
    assertTrue(config.toString().contains("redis_url=rediss://***@cache:6380"), config.toString());
    RedisSettings redis = config.sharedCache().redis();
    assertNotNull(redis);
    assertFalse(redis.toString().contains("s3cret-pw"), redis.toString());
  }

  @Test
  void thePassword_comesFromTheEnvironment() {
    KeystoneAuthConfig config =
        InitParameters.parse(
                with("redis_url", "redis://app:${REDIS_PASSWORD}@127.0.0.1:6390"),
                name -> name.equals("REDIS_PASSWORD") ? "from-env" : null)
            .build();
    RedisSettings redis = config.sharedCache().redis();
    assertNotNull(redis);
    assertEquals("redis://app:from-env@127.0.0.1:6390", redis.url());
  }

  @Test
  void memcachedAndRedis_together_failNamingBoth() {
    String message =
        error("redis_url", "redis://127.0.0.1:6390", "memcached_servers", "127.0.0.1:11211");
    assertTrue(message.contains("memcached_servers") && message.contains("redis_url"), message);
  }

  @Test
  void cafile_isReadAsAFile_andNeedsTheUrl(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "not checked here");
    RedisSettings redis =
        parse("redis_url", "rediss://127.0.0.1:6390", "redis_cafile", ca.toString())
            .sharedCache()
            .redis();
    assertNotNull(redis);
    assertEquals(ca, redis.cafile());
    String missing = dir.resolve("none.pem").toString();
    assertEquals(
        "redis_cafile must be a readable file but was '" + missing + "'",
        error("redis_url", "rediss://127.0.0.1:6390", "redis_cafile", missing));
    assertTrue(error("redis_cafile", ca.toString()).startsWith("redis_cafile is set but"));
  }

  @Test
  void redisUrl_withoutTheRedisModule_failsTheStartNamingTheOption() {
    KeystoneAuthConfig config = parse("redis_url", "redis://app:s3cret-pw@127.0.0.1:6390");
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> KeystoneTokenValidator.create(config));
    assertTrue(
        e.getMessage().startsWith("redis_url is set, but no shared cache store"), e.getMessage());
    assertTrue(e.getMessage().contains("keystone-auth-redis"), e.getMessage());
    assertFalse(e.getMessage().contains("s3cret-pw"));
  }
}
