package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.metrics.KeystoneAuthMeterBinder;
import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
import io.github.keystoneauthfilter.spi.SharedCacheStore;
import io.github.keystoneauthfilter.spi.SharedCacheStoreProvider;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.Fault;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.search.RequiredSearch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Micrometer meters read the same counters as {@link KeystoneAuthFilter#metrics()}. */
class KeystoneAuthMeterBinderTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private FakeKeystone site1;
  private FakeKeystone site2;
  private FilterHarness harness;

  @BeforeEach
  void sites() {
    site1 = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
    site2 = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
  }

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
    site1.close();
    site2.close();
  }

  private KeystoneAuthConfig config() {
    return KeystoneAuthConfig.builder()
        .authUrl(site1.uri().toString())
        .authUrl(site2.uri().toString())
        .username("svc")
        .password("svc-pass")
        .projectName("service")
        .httpConnectTimeout(Duration.ofMillis(500))
        .failoverFailureThreshold(1)
        .build();
  }

  private RequiredSearch meter(String name) {
    return registry.get(name).tag("app", "a1");
  }

  private RequiredSearch at(String name, FakeKeystone site) {
    return meter(name).tag("endpoint", site.uri().toString());
  }

  @Test
  void bindToWhenBoundBeforeInitThenMetersFollowRequests() throws Exception {
    KeystoneAuthFilter filter = new KeystoneAuthFilter(config());
    new KeystoneAuthMeterBinder(filter, Tags.of("app", "a1")).bindTo(registry);
    assertEquals(
        0.0, meter("keystone.auth.requests").tag("outcome", "confirmed").functionCounter().count());
    harness = FilterHarness.start(filter);
    site1.fault(Fault.refuse());
    KeystoneTokenFixture fixture = KeystoneTokenFixture.create();
    String token = site1.issue(fixture);
    site2.register(token, fixture);

    assertEquals(200, harness.withToken(token));
    assertEquals(200, harness.withToken(token));
    assertEquals(401, harness.withToken("unknown-token"));

    assertEquals(
        2.0, meter("keystone.auth.requests").tag("outcome", "confirmed").functionCounter().count());
    assertEquals(
        1.0, meter("keystone.auth.requests").tag("outcome", "invalid").functionCounter().count());
    assertEquals(
        0.0,
        meter("keystone.auth.requests").tag("outcome", "unavailable").functionCounter().count());
    assertEquals(
        1.0, meter("keystone.auth.cache.gets").tag("result", "hit").functionCounter().count());
    assertEquals(
        2.0, meter("keystone.auth.cache.gets").tag("result", "miss").functionCounter().count());
    assertEquals(1.0, meter("keystone.auth.cache.size").tag("cache", "valid").gauge().value());
    assertEquals(1.0, meter("keystone.auth.cache.size").tag("cache", "invalid").gauge().value());
    assertEquals(1.0, at("keystone.auth.endpoint.failures", site1).functionCounter().count());
    assertEquals(2.0, at("keystone.auth.endpoint.failovers", site1).functionCounter().count());
    assertEquals(1.0, at("keystone.auth.endpoint.skipped", site1).functionCounter().count());
    assertEquals(
        1.0, at("keystone.auth.endpoint.breaker.openings", site1).functionCounter().count());
    assertEquals(
        1.0,
        at("keystone.auth.endpoint.breaker.state", site1).tag("state", "open").gauge().value());
    assertEquals(
        0.0,
        at("keystone.auth.endpoint.breaker.state", site1).tag("state", "closed").gauge().value());
    assertEquals(
        1.0,
        at("keystone.auth.endpoint.breaker.state", site2).tag("state", "closed").gauge().value());
    assertEquals(
        1.0,
        at("keystone.auth.endpoint.validations", site2)
            .tag("result", "valid")
            .functionCounter()
            .count());
    assertEquals(
        1.0,
        at("keystone.auth.endpoint.validations", site2)
            .tag("result", "invalid")
            .functionCounter()
            .count());
    assertEquals(2.0, at("keystone.auth.endpoint.latency", site2).functionTimer().count());
    double totalMs =
        at("keystone.auth.endpoint.latency", site2)
            .functionTimer()
            .totalTime(TimeUnit.MILLISECONDS);
    double maxMs =
        at("keystone.auth.endpoint.latency.max", site2).timeGauge().value(TimeUnit.MILLISECONDS);
    assertTrue(totalMs > 0 && maxMs > 0 && maxMs <= totalMs, totalMs + " " + maxMs);
    MetricsSnapshot.Endpoint snapshot = filter.metrics().endpoints().get(1);
    assertEquals(snapshot.latencyTotal().toNanos() / 1e6, totalMs, 1e-9);
  }

  @Test
  void bindToWhenMemcachedUnreachableThenSharedCacheMetersCountTheFailureMissAndWrite()
      throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    KeystoneAuthConfig config =
        KeystoneAuthConfig.builder()
            .authUrl(site1.uri().toString())
            .username("svc")
            .password("svc-pass")
            .projectName("service")
            .memcachedServers(List.of("127.0.0.1:" + closedPort))
            .memcacheSocketTimeout(Duration.ofMillis(200))
            .build();
    KeystoneAuthFilter filter = new KeystoneAuthFilter(config);
    new KeystoneAuthMeterBinder(filter, Tags.of("app", "a1")).bindTo(registry);
    harness = FilterHarness.start(filter);

    assertEquals(200, harness.withToken(site1.issue(KeystoneTokenFixture.create())));

    assertEquals(
        1.0,
        meter("keystone.auth.shared.cache.gets").tag("result", "miss").functionCounter().count());
    assertEquals(
        0.0,
        meter("keystone.auth.shared.cache.gets").tag("result", "hit").functionCounter().count());
    assertEquals(1.0, meter("keystone.auth.shared.cache.writes").functionCounter().count());
    assertEquals(0.0, meter("keystone.auth.shared.cache.rejected").functionCounter().count());
    MetricsSnapshot.SharedCache shared = filter.metrics().sharedCache();
    assertNotNull(shared);
    // The lookup on the refused port failed (a failure, then the server is skipped): the meter
    // must show it, not merely agree with a snapshot that could be 0 for another reason.
    assertTrue(shared.storeFailures() >= 1, "store failures: " + shared.storeFailures());
    assertEquals(
        (double) shared.storeFailures(),
        meter("keystone.auth.shared.cache.store.failures").functionCounter().count());
  }

  @Test
  void bindToWhenTheSharedCacheIsOnAGivenStoreThenItsMetersAreBoundToo() throws Exception {
    SharedCacheStoreProvider failing =
        new SharedCacheStoreProvider() {
          @Override
          public String option() {
            return "test.shared-cache";
          }

          @Override
          public SharedCacheStore open(KeystoneAuthConfig config) {
            return new SharedCacheStore() {
              @Override
              public CompletionStage<byte @Nullable []> get(String key) {
                return CompletableFuture.failedFuture(new IOException("store down"));
              }

              @Override
              public CompletionStage<?> set(String key, byte[] value, Duration ttl) {
                return CompletableFuture.failedFuture(new IOException("store down"));
              }

              @Override
              public void close() {}
            };
          }
        };
    KeystoneAuthConfig config =
        KeystoneAuthConfig.builder()
            .authUrl(site1.uri().toString())
            .username("svc")
            .password("svc-pass")
            .projectName("service")
            .sharedCacheStore(failing)
            .build();
    KeystoneAuthFilter filter = new KeystoneAuthFilter(config);
    new KeystoneAuthMeterBinder(filter, Tags.of("app", "a1")).bindTo(registry);
    harness = FilterHarness.start(filter);

    assertEquals(200, harness.withToken(site1.issue(KeystoneTokenFixture.create())));

    assertEquals(1.0, meter("keystone.auth.shared.cache.store.failures").functionCounter().count());
    assertEquals(
        1.0,
        meter("keystone.auth.shared.cache.gets").tag("result", "miss").functionCounter().count());
  }

  @Test
  void bindToWhenNoMemcachedThenNoSharedCacheMetersAndNoSnapshotPart() throws Exception {
    KeystoneAuthFilter filter = new KeystoneAuthFilter(config());
    new KeystoneAuthMeterBinder(filter, Tags.of("app", "a1")).bindTo(registry);
    harness = FilterHarness.start(filter);

    assertNull(registry.find("keystone.auth.shared.cache.gets").meter());
    assertNull(filter.metrics().sharedCache());
  }

  @Test
  void bindToWhenWebXmlFilterNotInitialisedThenFailsSayingWhen() {
    KeystoneAuthMeterBinder binder = new KeystoneAuthMeterBinder(new KeystoneAuthFilter());

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> binder.bindTo(registry));

    assertTrue(e.getMessage().contains("after the filter's init()"), e.getMessage());
  }
}
