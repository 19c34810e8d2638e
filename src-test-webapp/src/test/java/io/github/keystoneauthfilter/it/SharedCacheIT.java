package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.metrics.EndpointStatus;
import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
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
 * The shared token cache against a real memcached (Debian's package) and a real Keystone: several
 * instances of a service share what Keystone said, protected as configured, and memcached going
 * away never fails a request.
 */
class SharedCacheIT {
  private static final int PORT = 11411;
  private static final String SECRET = "shared-cache-it-secret";

  private static RealKeystone keystone;
  private static Memcached memcached;

  @BeforeAll
  static void start() throws Exception {
    keystone = RealKeystone.fromSystemProperties();
    memcached = Memcached.start(PORT);
  }

  @AfterAll
  static void stop() throws Exception {
    if (memcached != null) {
      memcached.close();
    }
  }

  @BeforeEach
  void emptyMemcached() throws Exception {
    memcached.flush(PORT);
  }

  private static Properties config(String strategy) {
    Properties config = keystone.filterConfig(1, 2, 3);
    config.setProperty("memcached_servers", memcached.servers());
    config.setProperty("memcache_security_strategy", strategy);
    if (!strategy.equalsIgnoreCase("none")) {
      config.setProperty("memcache_secret_key", SECRET);
    }
    config.setProperty("memcache_pool_socket_timeout", "0.25");
    config.setProperty("memcache_pool_dead_retry", "2");
    return config;
  }

  /** Validations Keystone answered for this instance, over all its endpoints. */
  private static long keystoneAnswers(Webapp app) {
    return app.filter().endpointStatuses().stream().mapToLong(EndpointStatus::answers).sum();
  }

  private static MetricsSnapshot.SharedCache shared(Webapp app) {
    MetricsSnapshot.SharedCache stats = app.filter().metrics().sharedCache();
    assertNotNull(stats, "the shared cache is on");
    return stats;
  }

  @ParameterizedTest
  @ValueSource(strings = {"None", "MAC", "ENCRYPT", "encrypt"})
  void secondInstance_servesATokenTheFirstValidated_withoutAskingKeystone(String strategy)
      throws Exception {
    String token = keystone.demoToken(1);
    try (Webapp first = Webapp.start(config(strategy));
        Webapp second = Webapp.start(config(strategy), true)) {
      HttpResponse<String> viaFirst = first.getWithToken("/a", token);
      assertEquals(200, viaFirst.statusCode());
      assertEquals(1, keystoneAnswers(first));

      HttpResponse<String> viaSecond = second.getWithToken("/b", token);

      assertEquals(200, viaSecond.statusCode());
      assertEquals(0, keystoneAnswers(second), "the second instance never asked Keystone");
      assertEquals(1, shared(second).hits());
      assertEquals(1, second.metrics().get("sharedCache").get("hits").asLong());
      for (String header :
          List.of("X-User-Id", "X-Project-Id", "X-Roles", "X-Service-Catalog", "X-Tenant")) {
        assertEquals(Webapp.seen(viaFirst, header), Webapp.seen(viaSecond, header), header);
      }
    }
  }

  @Test
  void encrypt_memcachedHoldsNoReadableIdentity_whileNoneHoldsItPlain() throws Exception {
    String token = keystone.demoToken(1);
    String userId;
    try (Webapp app = Webapp.start(config("encrypt"))) {
      HttpResponse<String> response = app.getWithToken("/a", token);
      assertEquals(200, response.statusCode());
      userId = Webapp.seen(response, "X-User-Id");
    }
    List<String> keys = memcached.keys(PORT);
    assertEquals(1, keys.size(), keys.toString());
    String key = keys.get(0);
    assertFalse(key.contains(token));
    assertFalse(key.contains(sha256(token).substring(0, 16)), "the key is not the token's hash");
    String stored = new String(memcached.get(PORT, key), StandardCharsets.ISO_8859_1);
    for (String secret : List.of(userId, "demo", "member", token)) {
      assertFalse(stored.contains(secret), "memcached holds the plain '" + shortly(secret) + "'");
    }

    // The same check sees plaintext when it is there: None stores the identity as it is.
    memcached.flush(PORT);
    try (Webapp app = Webapp.start(config("None"))) {
      assertEquals(200, app.getWithToken("/a", token).statusCode());
    }
    String plain =
        new String(memcached.get(PORT, memcached.keys(PORT).get(0)), StandardCharsets.UTF_8);
    assertTrue(plain.contains(userId) && plain.contains("member"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"MAC", "ENCRYPT"})
  void aTamperedEntry_isIgnored_andKeystoneAskedInstead(String strategy) throws Exception {
    String token = keystone.demoToken(1);
    try (Webapp first = Webapp.start(config(strategy))) {
      assertEquals(200, first.getWithToken("/a", token).statusCode());
    }
    String key = memcached.keys(PORT).get(0);
    byte[] value = memcached.get(PORT, key);
    value[value.length - 5] ^= 0x01;
    memcached.set(PORT, key, value, 60);

    try (Webapp second = Webapp.start(config(strategy))) {
      HttpResponse<String> response = second.getWithToken("/b", token);
      assertEquals(200, response.statusCode());
      assertEquals(1, keystoneAnswers(second), "the tampered entry was not trusted");
      assertEquals(1, shared(second).rejected());
      assertEquals(0, shared(second).hits());
    }
  }

  @Test
  void anEntryFromAnotherSecret_isIgnored() throws Exception {
    String token = keystone.demoToken(1);
    try (Webapp first = Webapp.start(config("MAC"))) {
      assertEquals(200, first.getWithToken("/a", token).statusCode());
    }
    String firstKey = memcached.keys(PORT).get(0);
    byte[] firstEntry = memcached.get(PORT, firstKey);
    Properties otherSecret = config("MAC");
    otherSecret.setProperty("memcache_secret_key", "another-secret");
    try (Webapp second = Webapp.start(otherSecret)) {
      assertEquals(200, second.getWithToken("/b", token).statusCode());
      assertEquals(1, keystoneAnswers(second));
      assertEquals(0, shared(second).hits());
      // The secret also derives the entry's name: the second instance looks under another name
      // and misses (nothing found, so nothing rejected), then writes its own entry there.
      assertEquals(1, shared(second).misses());
      assertEquals(0, shared(second).rejected());
      assertEquals(1, shared(second).writes());
    }
    assertArrayEquals(firstEntry, memcached.get(PORT, firstKey), "the first entry is untouched");
  }

  @Test
  void memcachedKilledOrHungMidLoad_failsNoRequest_andIsUsedAgainOnceBack() throws Exception {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      tokens.add(keystone.demoToken(1 + i % 3));
    }
    Properties config = config("ENCRYPT");
    config.setProperty("token_cache_max_entries", "1"); // so most requests reach memcached
    ExecutorService background = Executors.newSingleThreadExecutor();
    try (Webapp app = Webapp.start(config)) {
      List<Load.Result> before = Load.run(app, tokens, 4, 15, Duration.ofSeconds(60));
      assertEquals(0, Load.failed(before));
      assertTrue(shared(app).hits() > 0, "memcached served entries while up");

      // Killed while a load runs: some requests done, some in flight, one thread held at the
      // gate until the kill is done, so that its remaining requests come after it.
      Gate killGate = new Gate(tokens, 9);
      Future<List<Load.Result>> killedLoad =
          background.submit(() -> Load.run(app, killGate, 4, 15, Duration.ofSeconds(60)));
      killGate.awaitReached();
      long failuresAtKill = shared(app).storeFailures();
      memcached.kill(PORT);
      long hitsAtKill = shared(app).hits(); // after the kill: a dead memcached serves nothing
      long answersAtKill = keystoneAnswers(app);
      killGate.release();
      List<Load.Result> killed = killedLoad.get(120, TimeUnit.SECONDS);
      assertEquals(60, killed.size(), "the whole load ran");
      assertEquals(0, Load.failed(killed), "no request failed while memcached was down");
      // The failure path ran: memcached calls failed, nothing came from it, Keystone answered.
      assertTrue(shared(app).storeFailures() > failuresAtKill, "no call to memcached failed");
      assertEquals(hitsAtKill, shared(app).hits(), "an entry was served by a dead memcached");
      assertTrue(keystoneAnswers(app) > answersAtKill, "Keystone was not asked instead");

      memcached.restart(PORT);
      assertUsedAgainAfterDeadRetry(app, tokens);

      Gate pauseGate = new Gate(tokens, 9);
      Future<List<Load.Result>> hungLoad =
          background.submit(() -> Load.run(app, pauseGate, 4, 15, Duration.ofSeconds(60)));
      pauseGate.awaitReached();
      long failuresBefore = shared(app).storeFailures();
      long started = System.nanoTime();
      memcached.pause(PORT);
      try {
        pauseGate.release();
        List<Load.Result> hung = hungLoad.get(120, TimeUnit.SECONDS);
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        assertEquals(60, hung.size(), "the whole load ran");
        assertEquals(0, Load.failed(hung), "no request failed while memcached hung");
        // A hung memcached costs a request at most the socket timeout (0.25 s), and only the
        // calls in flight when it hung wait for it; then it is skipped, and tried again by one
        // call every dead_retry (2 s). Without the skip, each request after the hang would wait.
        long waited = shared(app).storeFailures() - failuresBefore;
        long bound = 4 + seconds / 2 + 1;
        assertTrue(waited >= 1, "the hang was noticed");
        assertTrue(waited <= bound, waited + " calls waited for memcached; at most " + bound);
        assertTrue(Load.maxMillis(hung) < 5_000, "max " + Load.maxMillis(hung) + " ms");
      } finally {
        memcached.resume(PORT);
      }
      assertUsedAgainAfterDeadRetry(app, tokens);
    } finally {
      background.shutdownNow();
    }
  }

  /**
   * Once memcache_pool_dead_retry (2 s) has passed since memcached was last found failing, one call
   * tries it again, and a load is served from it again.
   */
  private static void assertUsedAgainAfterDeadRetry(Webapp app, List<String> tokens)
      throws Exception {
    Thread.sleep(2_500); // the skip is a time rule (dead_retry = 2 s); nothing to wait on
    long hitsBefore = shared(app).hits();
    List<Load.Result> back = Load.run(app, tokens, 2, 30, Duration.ofSeconds(60));
    assertEquals(0, Load.failed(back));
    assertTrue(shared(app).hits() > hitsBefore, "memcached is used again after dead_retry");
  }

  /**
   * The tokens of one {@link Load#run}, which asks for one before each request: the request that
   * asks for the {@code at}-th waits (a minute at most) until {@link #release()}. By then the other
   * threads' earlier requests are done or in flight, so what the test does between {@link
   * #awaitReached()} and {@code release()} happens in the middle of the load, and the held thread's
   * remaining requests all come after it.
   */
  private static final class Gate extends AbstractList<String> {
    private final List<String> tokens;
    private final int at;
    private final AtomicInteger handedOut = new AtomicInteger();
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    Gate(List<String> tokens, int at) {
      this.tokens = List.copyOf(tokens);
      this.at = at;
    }

    @Override
    public String get(int index) {
      if (handedOut.incrementAndGet() == at) {
        reached.countDown();
        try {
          if (!released.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the gate was not released within a minute");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return tokens.get(index);
    }

    @Override
    public int size() {
      return tokens.size();
    }

    void awaitReached() throws InterruptedException {
      assertTrue(reached.await(60, TimeUnit.SECONDS), "the load did not start within a minute");
    }

    void release() {
      released.countDown();
    }
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** Enough of a value to name it in a message, never a whole token. */
  private static String shortly(String value) {
    return value.length() > 8 ? value.substring(0, 4) + "…" : value;
  }
}
