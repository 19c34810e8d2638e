package io.github.keystoneauthfilter.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.KeystoneTokenValidator;
import io.github.keystoneauthfilter.ValidationOutcome;
import io.github.keystoneauthfilter.metrics.EndpointStatus;
import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
import io.github.keystoneauthfilter.testing.KeystoneEnv;
import io.github.keystoneauthfilter.testing.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shared token cache on a real Redis (Debian's redis-server, started here by pid) with real
 * Keystone tokens: instances share what Keystone said, protected as on memcached; tampered and
 * foreign entries are not used; Redis killed, hung, refusing or behind TLS with an unknown CA fails
 * no validation.
 */
class RedisSharedCacheIT {
  private static final int PORT = 6390;
  private static final int PASSWORD_PORT = 6391;
  private static final int TLS_PORT = 6392;
  private static final String SECRET = "redis-it-secret";
  private static final String REDIS_PASSWORD = "redis-it-password";

  private static KeystoneEnv keystone;
  private static RedisServer redis;
  private static RedisPeek peek;

  @BeforeAll
  static void start() throws Exception {
    keystone = KeystoneEnv.fromSystemProperties();
    redis = RedisServer.start(PORT);
    peek = new RedisPeek("redis://127.0.0.1:" + PORT);
  }

  @AfterAll
  static void stop() throws Exception {
    if (peek != null) {
      peek.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @BeforeEach
  void emptyRedis() {
    peek.flush();
  }

  private static Map<String, String> config(String strategy, String url) {
    Map<String, String> config = new HashMap<>();
    config.put("auth_url", String.join(",", keystone.url(1), keystone.url(2), keystone.url(3)));
    config.put("username", keystone.get("KEYSTONE_SVC_USER"));
    config.put("password", keystone.get("KEYSTONE_SVC_PASSWORD"));
    config.put("project_name", keystone.get("KEYSTONE_SVC_PROJECT"));
    config.put("redis_url", url);
    config.put("memcache_security_strategy", strategy);
    if (!strategy.equalsIgnoreCase("none")) {
      config.put("memcache_secret_key", SECRET);
    }
    config.put("memcache_pool_socket_timeout", "0.25");
    config.put("memcache_pool_dead_retry", "2");
    return config;
  }

  private static Map<String, String> config(String strategy) {
    return config(strategy, "redis://127.0.0.1:" + PORT);
  }

  private static KeystoneTokenValidator validator(Map<String, String> config) {
    return KeystoneTokenValidator.create(KeystoneAuthConfig.fromOptions(config).build());
  }

  private static String demoToken() throws Exception {
    return keystone.token("DEMO");
  }

  /** Validations Keystone answered for this instance, over all its endpoints. */
  private static long keystoneAnswers(KeystoneTokenValidator instance) {
    return instance.endpointStatuses().stream().mapToLong(EndpointStatus::answers).sum();
  }

  private static MetricsSnapshot.SharedCache shared(KeystoneTokenValidator instance) {
    MetricsSnapshot.SharedCache stats = instance.metrics().sharedCache();
    assertNotNull(stats, "the shared cache is on");
    return stats;
  }

  private static ValidationOutcome.Confirmed confirmed(
      KeystoneTokenValidator instance, String token) {
    return assertInstanceOf(ValidationOutcome.Confirmed.class, instance.validate(token, null));
  }

  @ParameterizedTest
  @ValueSource(strings = {"None", "MAC", "ENCRYPT"})
  void secondInstance_servesATokenTheFirstValidated_withoutAskingKeystone(String strategy)
      throws Exception {
    String token = demoToken();
    try (KeystoneTokenValidator first = validator(config(strategy));
        KeystoneTokenValidator second = validator(config(strategy))) {
      ValidationOutcome.Confirmed viaFirst = confirmed(first, token);
      assertEquals(1, keystoneAnswers(first));
      assertEquals(1, shared(first).writes());

      ValidationOutcome.Confirmed viaSecond = confirmed(second, token);

      assertEquals(0, keystoneAnswers(second), "the second instance never asked Keystone");
      assertEquals(1, shared(second).hits());
      assertEquals(viaFirst.user().userId(), viaSecond.user().userId());
      assertEquals(viaFirst.user().roles(), viaSecond.user().roles());
      assertEquals(viaFirst.user().projectId(), viaSecond.user().projectId());
    }
    // One entry, under the same key prefix as on memcached, expiring on the server within
    // token_cache_time (300 s by default).
    List<String> keys = peek.keys();
    assertEquals(1, keys.size(), keys.toString());
    assertTrue(keys.get(0).startsWith("keystoneauthfilter/v2/"), keys.get(0));
    long ttl = peek.ttl(keys.get(0));
    assertTrue(ttl > 0 && ttl <= 300, "TTL on Redis: " + ttl);
  }

  @Test
  void encrypt_redisHoldsNoReadableIdentity() throws Exception {
    String token = demoToken();
    String userId;
    try (KeystoneTokenValidator instance = validator(config("ENCRYPT"))) {
      userId = confirmed(instance, token).user().userId();
    }
    String key = peek.keys().get(0);
    assertFalse(key.contains(token));
    String stored = new String(peek.get(key), StandardCharsets.ISO_8859_1);
    for (String secret : List.of(userId, "member", token)) {
      assertFalse(stored.contains(secret), "Redis holds a plain identity field");
    }
    // The same look sees the identity when it is there in plain form.
    peek.flush();
    try (KeystoneTokenValidator instance = validator(config("None"))) {
      confirmed(instance, token);
    }
    String plain = new String(peek.get(peek.keys().get(0)), StandardCharsets.UTF_8);
    assertTrue(plain.contains(userId));
  }

  @ParameterizedTest
  @ValueSource(strings = {"MAC", "ENCRYPT"})
  void aTamperedEntry_isIgnored_andKeystoneAskedInstead(String strategy) throws Exception {
    String token = demoToken();
    try (KeystoneTokenValidator first = validator(config(strategy))) {
      confirmed(first, token);
    }
    String key = peek.keys().get(0);
    byte[] value = peek.get(key);
    value[value.length - 5] ^= 0x01;
    peek.set(key, value, 60);

    try (KeystoneTokenValidator second = validator(config(strategy))) {
      confirmed(second, token);
      assertEquals(1, keystoneAnswers(second), "the tampered entry was not trusted");
      assertEquals(1, shared(second).rejected());
      assertEquals(0, shared(second).hits());
    }
  }

  @Test
  void anotherTokensEntry_copiedUnderThisTokensKey_isIgnored() throws Exception {
    String victim = demoToken();
    String other = keystone.token("ADMIN");
    try (KeystoneTokenValidator first = validator(config("MAC"))) {
      confirmed(first, victim);
      confirmed(first, other);
    }
    List<String> keys = peek.keys();
    assertEquals(2, keys.size());
    // Whichever entry is whose, swapping them puts a foreign entry under each token's key.
    byte[] a = peek.get(keys.get(0));
    byte[] b = peek.get(keys.get(1));
    peek.set(keys.get(0), b, 60);
    peek.set(keys.get(1), a, 60);

    try (KeystoneTokenValidator second = validator(config("MAC"))) {
      confirmed(second, victim);
      confirmed(second, other);
      assertEquals(2, keystoneAnswers(second), "no foreign entry was trusted");
      assertEquals(2, shared(second).rejected());
      assertEquals(0, shared(second).hits());
    }
  }

  @Test
  void anEntryFromAnotherSecret_isNotFound_andNotOverwritten() throws Exception {
    String token = demoToken();
    try (KeystoneTokenValidator first = validator(config("MAC"))) {
      confirmed(first, token);
    }
    String firstKey = peek.keys().get(0);
    byte[] firstEntry = peek.get(firstKey);
    Map<String, String> otherSecret = config("MAC");
    otherSecret.put("memcache_secret_key", "another-secret");
    try (KeystoneTokenValidator second = validator(otherSecret)) {
      confirmed(second, token);
      assertEquals(1, keystoneAnswers(second));
      assertEquals(0, shared(second).hits());
      assertEquals(1, shared(second).writes());
    }
    assertEquals(2, peek.keys().size());
    assertArrayEquals(firstEntry, peek.get(firstKey), "the first entry is untouched");
  }

  /**
   * Fresh tokens, in no instance's in-process cache, so that each first validation asks the shared
   * cache.
   */
  private static List<String> freshTokens(int count) throws Exception {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      tokens.add(demoToken());
    }
    return tokens;
  }

  @Test
  void redisKilledOrHung_failsNoValidation_andIsUsedAgainOnceBack() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (KeystoneTokenValidator instance = validator(config("ENCRYPT"))) {
      assertUsedAfterDeadRetry(pool, instance, false);

      // Killed in the middle of a load.
      long failuresAtKill = shared(instance).storeFailures();
      long answersAtKill = keystoneAnswers(instance);
      assertEquals(0, load(pool, instance, freshTokens(8), redis::kill), "failed: Redis down");
      assertTrue(shared(instance).storeFailures() > failuresAtKill, "no call to Redis failed");
      assertEquals(answersAtKill + 8, keystoneAnswers(instance), "Keystone answered each token");

      redis.restart();
      assertUsedAfterDeadRetry(pool, instance, true);

      // Hung (SIGSTOP) in the middle of a load: calls in flight wait the timeout (0.25 s), then
      // Redis is skipped, and one call every dead_retry (2 s) tries it.
      long failuresBeforeHang = shared(instance).storeFailures();
      long started = System.nanoTime();
      try {
        assertEquals(0, load(pool, instance, freshTokens(8), redis::pause), "failed: Redis hung");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        long waited = shared(instance).storeFailures() - failuresBeforeHang;
        long bound = 4 + seconds / 2 + 1;
        assertTrue(waited >= 1, "the hang was noticed");
        assertTrue(waited <= bound, waited + " calls waited for Redis; at most " + bound);
      } finally {
        redis.resume();
      }
      assertUsedAfterDeadRetry(pool, instance, true);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * {@code instance} writes fresh tokens' identities to Redis again (after dead_retry, 2 s, when it
   * was skipped), and another instance is served them from there.
   */
  private static void assertUsedAfterDeadRetry(
      ExecutorService pool, KeystoneTokenValidator instance, boolean wasSkipped) throws Exception {
    if (wasSkipped) {
      Thread.sleep(2_500); // the skip is a time rule (dead_retry = 2 s); nothing to wait on
    }
    List<String> tokens = freshTokens(4);
    long writesBefore = shared(instance).writes();
    long failuresBefore = shared(instance).storeFailures();
    assertEquals(0, load(pool, instance, tokens, null));
    assertEquals(writesBefore + 4, shared(instance).writes());
    assertEquals(failuresBefore, shared(instance).storeFailures());
    try (KeystoneTokenValidator reader = validator(config("ENCRYPT"))) {
      assertEquals(0, load(pool, reader, tokens, null));
      assertEquals(4, shared(reader).hits(), "Redis served what the instance wrote");
    }
  }

  /** Something done to Redis in the middle of a load. */
  private interface Fault {
    void apply() throws Exception;
  }

  /**
   * Validates each token once on 4 threads; {@code fault} (if any) runs once a quarter of the
   * validations are done, while those in flight go on, and before the second half starts. Returns
   * how many validations were not Confirmed.
   */
  private static int load(
      ExecutorService pool, KeystoneTokenValidator instance, List<String> tokens, Fault fault)
      throws Exception {
    int total = tokens.size();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    CountDownLatch quarter = new CountDownLatch(total / 4);
    CountDownLatch faultDone = new CountDownLatch(fault == null ? 0 : 1);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      workers.add(
          pool.submit(
              () -> {
                for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                  if (i == total / 2 && !faultDone.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the fault was not applied in a minute");
                  }
                  ValidationOutcome outcome =
                      instance.validate(tokens.get(i % tokens.size()), null);
                  if (!(outcome instanceof ValidationOutcome.Confirmed)) {
                    failed.incrementAndGet();
                  }
                  quarter.countDown();
                }
                return null;
              }));
    }
    if (fault != null) {
      assertTrue(quarter.await(60, TimeUnit.SECONDS), "the load did not start");
      fault.apply();
      faultDone.countDown();
    }
    for (Future<?> worker : workers) {
      worker.get(120, TimeUnit.SECONDS);
    }
    return failed.get();
  }

  @Test
  void redisAnsweringErrors_failsNoValidation_andTheRightPasswordIsServed() throws Exception {
    String token = demoToken();
    try (RedisServer locked = RedisServer.start(PASSWORD_PORT, "--requirepass", REDIS_PASSWORD)) {
      String url = "redis://127.0.0.1:" + locked.port();
      try (KeystoneTokenValidator instance = validator(config("MAC", url))) {
        confirmed(instance, token);
        confirmed(instance, token); // from the in-process cache
        assertTrue(shared(instance).storeFailures() >= 1, "Redis refused: NOAUTH");
        assertEquals(0, shared(instance).hits());
      }
      String withPassword = "redis://:" + REDIS_PASSWORD + "@127.0.0.1:" + PASSWORD_PORT;
      try (KeystoneTokenValidator first = validator(config("MAC", withPassword));
          KeystoneTokenValidator second = validator(config("MAC", withPassword))) {
        confirmed(first, token);
        confirmed(second, token);
        assertEquals(0, shared(first).storeFailures());
        assertEquals(1, shared(second).hits(), "shared through the password-protected Redis");
      }
    }
  }

  @Test
  void tls_withTheServersCa_isShared_andWithAnotherCa_failsNoValidation() throws Exception {
    Path dir =
        Files.createTempDirectory(
            Files.createDirectories(Path.of("target", "redis-it").toAbsolutePath()), "tls");
    TestCertificates certs = TestCertificates.create(dir);
    String token = demoToken();
    try (RedisServer tls =
        RedisServer.start(
            TLS_PORT,
            "--port",
            "0",
            "--tls-port",
            Integer.toString(TLS_PORT),
            "--tls-cert-file",
            dir.resolve("server.pem").toString(),
            "--tls-key-file",
            dir.resolve("server.key").toString(),
            "--tls-ca-cert-file",
            certs.ca().toString(),
            "--tls-auth-clients",
            "no")) {
      String url = "rediss://127.0.0.1:" + tls.port();
      Map<String, String> trusted = config("ENCRYPT", url);
      trusted.put("redis_cafile", certs.ca().toString());
      // The first TLS handshake of a JVM can take longer than 0.25 s on a loaded machine: here
      // every call must get through.
      trusted.put("memcache_pool_socket_timeout", "10");
      try (KeystoneTokenValidator first = validator(trusted);
          KeystoneTokenValidator second = validator(trusted)) {
        confirmed(first, token);
        confirmed(second, token);
        assertEquals(0, shared(first).storeFailures());
        assertEquals(1, shared(second).hits(), "shared over TLS");
        assertEquals(0, keystoneAnswers(second));
      }
      Map<String, String> untrusted = config("ENCRYPT", url);
      untrusted.put("redis_cafile", certs.otherCa().toString());
      try (KeystoneTokenValidator instance = validator(untrusted)) {
        confirmed(instance, token);
        assertEquals(0, shared(instance).hits(), "an unverified server was used");
        assertTrue(shared(instance).storeFailures() >= 1, "the TLS failure was counted");
      }
    }
  }
}
