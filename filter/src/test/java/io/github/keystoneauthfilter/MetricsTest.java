package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.Fault;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link KeystoneAuthFilter#metrics()} against two fake Keystone sites, through a container. */
class MetricsTest {
  private FakeKeystone site1;
  private FakeKeystone site2;
  private FilterHarness harness;

  @BeforeEach
  void sites() {
    site1 = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
    site2 = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
  }

  @AfterEach
  void stop() throws Exception {
    if (harness != null) {
      harness.close();
    }
    site1.close();
    site2.close();
  }

  private KeystoneAuthConfigBuilder config() {
    return KeystoneAuthConfig.builder()
        .authUrl(site1.uri().toString())
        .authUrl(site2.uri() + "/v3")
        .username("svc")
        .password("svc-pass")
        .projectName("service")
        .httpConnectTimeout(Duration.ofMillis(500))
        .httpRequestTimeout(Duration.ofMillis(500));
  }

  private KeystoneAuthFilter start(KeystoneAuthConfigBuilder config) throws Exception {
    KeystoneAuthFilter filter = new KeystoneAuthFilter(config.build());
    harness = FilterHarness.start(filter);
    return filter;
  }

  private String issue() {
    KeystoneTokenFixture fixture = KeystoneTokenFixture.create();
    String token = site1.issue(fixture);
    site2.register(token, fixture);
    return token;
  }

  @Test
  void metricsWhenNotInitialisedThenIllegalState() {
    KeystoneAuthFilter filter = new KeystoneAuthFilter(config().build());

    assertThrows(IllegalStateException.class, filter::metrics);
  }

  @Test
  void metricsWhenPrimaryRefusesThenItsFailureAndFailoverCountedAndSecondAnswers()
      throws Exception {
    KeystoneAuthFilter filter = start(config());
    site1.fault(Fault.refuse());
    String token = issue();

    assertEquals(200, harness.withToken(token));
    assertEquals(200, harness.withToken(token)); // from the cache: no endpoint asked

    MetricsSnapshot metrics = filter.metrics();
    MetricsSnapshot.Endpoint first = metrics.endpoints().get(0);
    MetricsSnapshot.Endpoint second = metrics.endpoints().get(1);
    assertEquals(site1.uri(), first.url());
    assertEquals("CLOSED", first.state());
    assertEquals(1, first.failures());
    assertEquals(1, first.failovers());
    assertEquals(0, first.valid() + first.invalid());
    assertEquals(1, first.calls());
    assertEquals(1, second.valid());
    assertEquals(0, second.failures());
    assertEquals(0, second.failovers());
    assertEquals(1, second.calls());
    assertTrue(second.latencyTotal().compareTo(Duration.ZERO) > 0, second.toString());
    assertEquals(second.latencyTotal(), second.latencyMax(), "one call: its time is the max");
    assertEquals(new MetricsSnapshot.Requests(2, 0, 0, 0, 0), metrics.requests());
    assertEquals(1, metrics.cache().misses());
    assertEquals(1, metrics.cache().hits());
    assertEquals(1, metrics.cache().size());
  }

  @Test
  void metricsWhenBreakerOpensThenOpenStateTimesOpenedAndSkipsShown() throws Exception {
    KeystoneAuthFilter filter = start(config().failoverFailureThreshold(1));
    site1.fault(Fault.refuse());

    assertEquals(200, harness.withToken(issue()));
    assertEquals(200, harness.withToken(issue()));

    MetricsSnapshot.Endpoint first = filter.metrics().endpoints().get(0);
    assertEquals("OPEN", first.state());
    assertEquals(1, first.timesOpened());
    assertEquals(1, first.calls(), "the open breaker kept the second request away");
    assertEquals(1, first.skipped());
    assertEquals(2, first.failovers());
    assertEquals(2, filter.metrics().endpoints().get(1).valid());
  }

  @Test
  void metricsWhenInvalidAndMissingTokensThenInvalidOutcomesAndInvalidCacheHits() throws Exception {
    KeystoneAuthFilter filter = start(config());

    assertEquals(401, harness.withToken("not-a-known-token"));
    assertEquals(401, harness.withToken("not-a-known-token"));
    assertEquals(401, harness.get("/app"));

    MetricsSnapshot metrics = filter.metrics();
    assertEquals(new MetricsSnapshot.Requests(0, 3, 0, 0, 0), metrics.requests());
    assertEquals(1, metrics.endpoints().get(0).invalid());
    assertEquals(1, metrics.cache().misses());
    assertEquals(1, metrics.cache().invalidHits());
    assertEquals(1, metrics.cache().invalidSize());
    assertEquals(0, metrics.cache().size());
  }

  @Test
  void metricsWhenCacheFullThenEvictionsCountedAndSizeBounded() throws Exception {
    KeystoneAuthFilter filter = start(config().tokenCacheMaxEntries(1));

    for (int i = 0; i < 3; i++) {
      assertEquals(200, harness.withToken(issue()));
    }

    MetricsSnapshot.Cache cache = filter.metrics().cache();
    assertEquals(1, cache.size());
    assertEquals(2, cache.evictions());
    assertEquals(3, cache.misses());
  }

  @Test
  void metricsWhenNoSiteAnswersThenUnavailableCountedAndOnlyFirstFailsOver() throws Exception {
    KeystoneAuthFilter filter = start(config());
    site1.fault(Fault.refuse());
    site2.fault(Fault.status(500));

    assertEquals(503, harness.withToken(issue()));

    MetricsSnapshot metrics = filter.metrics();
    assertEquals(new MetricsSnapshot.Requests(0, 0, 1, 0, 0), metrics.requests());
    List<MetricsSnapshot.Endpoint> endpoints = metrics.endpoints();
    assertEquals(1, endpoints.get(0).failures());
    assertEquals(1, endpoints.get(0).failovers());
    assertEquals(1, endpoints.get(1).failures());
    assertEquals(0, endpoints.get(1).failovers(), "no endpoint after the last");
    assertEquals(0, metrics.cache().size());
  }

  @Test
  void metricsWhenExcludedPathThenExcludedCountedWithoutKeystone() throws Exception {
    KeystoneAuthFilter filter = start(config().excludedPaths(List.of("/health")));

    assertEquals(200, harness.get("/health"));

    MetricsSnapshot metrics = filter.metrics();
    assertEquals(new MetricsSnapshot.Requests(0, 0, 0, 0, 1), metrics.requests());
    assertEquals(0, metrics.cache().misses());
  }
}
