package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
import io.github.keystoneauthfilter.spi.SharedCacheStore;
import io.github.keystoneauthfilter.spi.SharedCacheStoreProvider;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A shared cache store the application gives ({@link KeystoneAuthConfigBuilder#sharedCacheStore}):
 * opened by each validator, used with the same protection and rules as memcached, closed with it,
 * and never together with {@code memcached_servers} or {@code redis_url}.
 */
class GivenSharedCacheStoreTest {
  private static final String SECRET = "given-store-secret";

  private FakeKeystone site;

  @BeforeEach
  void startKeystone() {
    site = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
  }

  @AfterEach
  void stopKeystone() {
    site.close();
  }

  private KeystoneAuthConfigBuilder builder() {
    return KeystoneAuthConfig.builder()
        .authUrl(site.uri().toString())
        .username("svc")
        .password("svc-pass")
        .projectName("service");
  }

  @Test
  void twoValidatorsShareEntriesThroughTheGivenStoreAndEachOpensAndClosesItsOwn() {
    Map<String, byte[]> entries = new ConcurrentHashMap<>();
    Map<String, Duration> ttls = new ConcurrentHashMap<>();
    Provider provider = new Provider(() -> new MapStore(entries, ttls));
    KeystoneAuthConfig config =
        builder()
            .memcacheSecurityStrategy(KeystoneAuthConfig.MemcacheSecurityStrategy.MAC)
            .memcacheSecretKey(SECRET)
            .sharedCacheStore(provider)
            .build();
    String token = site.issue(KeystoneTokenFixture.create().roles("reader"));

    MetricsSnapshot second;
    try (KeystoneTokenValidator one = KeystoneTokenValidator.create(config);
        KeystoneTokenValidator two = KeystoneTokenValidator.create(config)) {
      assertInstanceOf(ValidationOutcome.Confirmed.class, one.validate(token, null));
      assertInstanceOf(ValidationOutcome.Confirmed.class, two.validate(token, null));
      second = two.metrics();
    }

    assertEquals(1, site.validations(), "the second validator found the first one's entry");
    MetricsSnapshot.SharedCache shared = Objects.requireNonNull(second.sharedCache());
    assertEquals(1, shared.hits());
    assertEquals(1, entries.size());
    Duration ttl = ttls.values().iterator().next();
    assertTrue(!ttl.isNegative() && ttl.compareTo(Duration.ofSeconds(300)) <= 0, ttl.toString());
    assertTrue(entries.keySet().iterator().next().startsWith("keystoneauthfilter/"));
    assertEquals(2, provider.opened.size(), "one store per validator");
    assertTrue(provider.opened.stream().allMatch(store -> store.closed), "each closed with it");
  }

  @Test
  void aGivenStoreThatNeverAnswersFailsNoValidationAndIsSkippedAfterwards() {
    Provider provider = new Provider(NeverStore::new);
    KeystoneAuthConfig config =
        builder()
            .memcacheSecurityStrategy(KeystoneAuthConfig.MemcacheSecurityStrategy.ENCRYPT)
            .memcacheSecretKey(SECRET)
            .memcacheSocketTimeout(Duration.ofMillis(200))
            .sharedCacheStore(provider)
            .build();

    try (KeystoneTokenValidator validator = KeystoneTokenValidator.create(config)) {
      for (int i = 0; i < 3; i++) {
        String token = site.issue(KeystoneTokenFixture.create());
        assertInstanceOf(ValidationOutcome.Confirmed.class, validator.validate(token, null));
      }
      MetricsSnapshot.SharedCache shared =
          Objects.requireNonNull(validator.metrics().sharedCache());
      assertEquals(1, shared.storeFailures(), "one late call, then skipped for dead_retry");
      assertEquals(0, shared.hits());
    }
    assertEquals(3, site.validations());
  }

  @Test
  void aGivenStoreWithMemcachedServersOrRedisUrlStopsTheBuildNamingBoth() {
    Provider provider = new Provider(NeverStore::new);

    String memcached =
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    builder()
                        .memcachedServers(List.of("127.0.0.1:11211"))
                        .sharedCacheStore(provider)
                        .build())
            .getMessage();
    String redis =
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    builder().redisUrl("redis://127.0.0.1:6379").sharedCacheStore(provider).build())
            .getMessage();

    assertEquals(
        "memcached_servers and test.shared-cache are both set: the shared token cache is on one"
            + " store, not two; remove one of them",
        memcached);
    assertTrue(redis.startsWith("redis_url and test.shared-cache are both set"), redis);
    assertTrue(provider.opened.isEmpty());
  }

  /** Opens a new store each time; remembers them. */
  private static final class Provider implements SharedCacheStoreProvider {
    final List<TestStore> opened = new CopyOnWriteArrayList<>();
    private final Supplier<TestStore> stores;

    Provider(Supplier<TestStore> stores) {
      this.stores = stores;
    }

    @Override
    public String option() {
      return "test.shared-cache";
    }

    @Override
    public SharedCacheStore open(KeystoneAuthConfig config) {
      TestStore store = stores.get();
      opened.add(store);
      return store;
    }
  }

  private abstract static class TestStore implements SharedCacheStore {
    volatile boolean closed;

    @Override
    public void close() {
      closed = true;
    }
  }

  /** A map, with the TTL of each write. */
  private static final class MapStore extends TestStore {
    private final Map<String, byte[]> entries;
    private final Map<String, Duration> ttls;

    MapStore(Map<String, byte[]> entries, Map<String, Duration> ttls) {
      this.entries = entries;
      this.ttls = ttls;
    }

    @Override
    public CompletionStage<byte @Nullable []> get(String key) {
      return CompletableFuture.completedFuture(entries.get(key));
    }

    @Override
    public CompletionStage<?> set(String key, byte[] value, Duration ttl) {
      entries.put(key, value);
      ttls.put(key, ttl);
      return CompletableFuture.completedFuture(null);
    }
  }

  /** A hung store: no call ever completes. */
  private static final class NeverStore extends TestStore {
    @Override
    public CompletionStage<byte @Nullable []> get(String key) {
      return new CompletableFuture<>();
    }

    @Override
    public CompletionStage<?> set(String key, byte[] value, Duration ttl) {
      return new CompletableFuture<>();
    }
  }
}
