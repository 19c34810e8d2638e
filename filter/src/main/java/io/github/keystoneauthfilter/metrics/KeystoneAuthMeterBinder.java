package io.github.keystoneauthfilter.metrics;

import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.internal.cache.SharedTokenCache;
import io.github.keystoneauthfilter.internal.cache.TokenCache;
import io.github.keystoneauthfilter.internal.endpoint.CircuitBreaker;
import io.github.keystoneauthfilter.internal.endpoint.EndpointPool;
import io.github.keystoneauthfilter.internal.metrics.FilterMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * Offers a filter's metrics to Micrometer: {@code new
 * KeystoneAuthMeterBinder(filter).bindTo(registry)} (with Spring Boot, declare it as a {@code
 * MeterBinder} bean). The meters read the filter's own counters when the registry asks, so they
 * cost nothing per request. Meter names and tags are listed in the README ("Metrics").
 *
 * <p>Micrometer is an optional dependency of the filter: this is the only class that uses it, and
 * it is loaded only when the application refers to it.
 *
 * <p>Bind it after the filter's {@code init}, or to a filter constructed with a {@link
 * KeystoneAuthConfig} (its endpoints are then known; its meters read 0 until {@code init}).
 */
public final class KeystoneAuthMeterBinder implements MeterBinder {
  private final KeystoneAuthFilter filter;
  private final Tags tags;

  /** Meters for {@code filter}, without extra tags. */
  public KeystoneAuthMeterBinder(KeystoneAuthFilter filter) {
    this(filter, Tags.empty());
  }

  /** Meters for {@code filter}, each with {@code tags} too (to tell several filters apart). */
  public KeystoneAuthMeterBinder(KeystoneAuthFilter filter, Iterable<Tag> tags) {
    this.filter = filter;
    this.tags = Tags.of(tags);
  }

  /**
   * Registers the meters.
   *
   * @throws IllegalStateException when the filter has no configuration yet (a web.xml filter before
   *     its {@code init})
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    List<URI> endpoints;
    try {
      endpoints = filter.settings().authUrls();
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          "bind KeystoneAuthMeterBinder after the filter's init(), or construct the filter with"
              + " a KeystoneAuthConfig",
          e);
    }
    FilterMetrics metrics = FilterMetrics.of(filter);
    requests(registry, metrics);
    cache(registry, metrics);
    if (!filter.settings().memcachedServers().isEmpty()) {
      sharedCache(registry, metrics);
    }
    for (int i = 0; i < endpoints.size(); i++) {
      endpoint(registry, metrics, i, Tags.concat(tags, "endpoint", endpoints.get(i).toString()));
    }
  }

  private void requests(MeterRegistry registry, FilterMetrics metrics) {
    String description = "Requests the Keystone auth filter decided, by outcome";
    counter("keystone.auth.requests", description, metrics, m -> m.confirmed.sum())
        .tag("outcome", "confirmed")
        .register(registry);
    counter("keystone.auth.requests", description, metrics, m -> m.invalid.sum())
        .tag("outcome", "invalid")
        .register(registry);
    counter("keystone.auth.requests", description, metrics, m -> m.unavailable.sum())
        .tag("outcome", "unavailable")
        .register(registry);
    counter("keystone.auth.requests", description, metrics, m -> m.excluded.sum())
        .tag("outcome", "excluded")
        .register(registry);
    counter(
            "keystone.auth.requests.bulkhead.rejected",
            "Requests refused with 503 because max_concurrent_validations were in flight",
            metrics,
            FilterMetrics::bulkheadRejected)
        .register(registry);
  }

  private void cache(MeterRegistry registry, FilterMetrics metrics) {
    String gets = "Token cache lookups, by result";
    cacheCounter("keystone.auth.cache.gets", gets, metrics, TokenCache::hits)
        .tag("result", "hit")
        .register(registry);
    cacheCounter("keystone.auth.cache.gets", gets, metrics, TokenCache::invalidHits)
        .tag("result", "invalid_hit")
        .register(registry);
    cacheCounter("keystone.auth.cache.gets", gets, metrics, TokenCache::misses)
        .tag("result", "miss")
        .register(registry);
    cacheCounter(
            "keystone.auth.cache.joins",
            "Misses that waited for a validation of the same token already in flight",
            metrics,
            TokenCache::joins)
        .register(registry);
    String evictions = "Valid identities dropped from the token cache, by cause";
    cacheCounter("keystone.auth.cache.evictions", evictions, metrics, TokenCache::evictions)
        .tag("cause", "size")
        .register(registry);
    cacheCounter("keystone.auth.cache.evictions", evictions, metrics, TokenCache::expirations)
        .tag("cause", "expired")
        .register(registry);
    String size = "Entries in the token cache";
    Gauge.builder("keystone.auth.cache.size", metrics, m -> m.cache(TokenCache::estimatedSize))
        .description(size)
        .tags(tags)
        .tag("cache", "valid")
        .register(registry);
    Gauge.builder("keystone.auth.cache.size", metrics, m -> m.cache(TokenCache::invalidSize))
        .description(size)
        .tags(tags)
        .tag("cache", "invalid")
        .register(registry);
  }

  private void sharedCache(MeterRegistry registry, FilterMetrics metrics) {
    String gets = "Shared token cache (memcached) lookups, by result";
    sharedCounter("keystone.auth.shared.cache.gets", gets, metrics, SharedTokenCache::hits)
        .tag("result", "hit")
        .register(registry);
    sharedCounter("keystone.auth.shared.cache.gets", gets, metrics, SharedTokenCache::misses)
        .tag("result", "miss")
        .register(registry);
    sharedCounter(
            "keystone.auth.shared.cache.rejected",
            "Shared cache entries not used: failed MAC, decryption or decoding, or past their"
                + " time (counted as misses)",
            metrics,
            SharedTokenCache::rejected)
        .register(registry);
    sharedCounter(
            "keystone.auth.shared.cache.writes",
            "Identities written to the shared cache",
            metrics,
            SharedTokenCache::writes)
        .register(registry);
    sharedCounter(
            "keystone.auth.shared.cache.store.failures",
            "memcached calls that failed or timed out",
            metrics,
            SharedTokenCache::storeFailures)
        .register(registry);
  }

  private static void endpoint(
      MeterRegistry registry, FilterMetrics metrics, int index, Tags tags) {
    String validations = "Definite answers of a Keystone endpoint, by result";
    endpointCounter(
            "keystone.auth.endpoint.validations",
            validations,
            metrics,
            index,
            tags,
            EndpointPool.Member::valid)
        .tag("result", "valid")
        .register(registry);
    endpointCounter(
            "keystone.auth.endpoint.validations",
            validations,
            metrics,
            index,
            tags,
            EndpointPool.Member::invalid)
        .tag("result", "invalid")
        .register(registry);
    endpointCounter(
            "keystone.auth.endpoint.failures",
            "Calls to a Keystone endpoint that gave no answer",
            metrics,
            index,
            tags,
            EndpointPool.Member::failures)
        .register(registry);
    endpointCounter(
            "keystone.auth.endpoint.skipped",
            "Times a Keystone endpoint was not asked because its breaker refused",
            metrics,
            index,
            tags,
            EndpointPool.Member::skipped)
        .register(registry);
    endpointCounter(
            "keystone.auth.endpoint.failovers",
            "Times a validation went on to the next endpoint because this one failed or was skipped",
            metrics,
            index,
            tags,
            EndpointPool.Member::failovers)
        .register(registry);
    endpointCounter(
            "keystone.auth.endpoint.breaker.openings",
            "Times a Keystone endpoint's circuit breaker opened",
            metrics,
            index,
            tags,
            member -> member.breaker().timesOpened())
        .register(registry);
    for (CircuitBreaker.StateName state : CircuitBreaker.StateName.values()) {
      Gauge.builder(
              "keystone.auth.endpoint.breaker.state",
              metrics,
              m -> m.endpoint(index, member -> member.breaker().state().name() == state ? 1 : 0))
          .description("1 for the state a Keystone endpoint's circuit breaker is in, else 0")
          .tags(tags)
          .tag("state", state.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    FunctionTimer.builder(
            "keystone.auth.endpoint.latency",
            metrics,
            m -> m.endpoint(index, EndpointPool.Member::calls),
            m -> m.endpoint(index, EndpointPool.Member::callNanos),
            TimeUnit.NANOSECONDS)
        .description("Calls to a Keystone endpoint (answered or failed) and their time")
        .tags(tags)
        .register(registry);
    TimeGauge.builder(
            "keystone.auth.endpoint.latency.max",
            metrics,
            TimeUnit.NANOSECONDS,
            m -> m.endpoint(index, EndpointPool.Member::maxCallNanos))
        .description("The longest call to a Keystone endpoint since start")
        .tags(tags)
        .register(registry);
  }

  private FunctionCounter.Builder<FilterMetrics> counter(
      String name,
      String description,
      FilterMetrics metrics,
      ToLongFunction<FilterMetrics> reading) {
    return FunctionCounter.builder(name, metrics, m -> reading.applyAsLong(m))
        .description(description)
        .tags(tags);
  }

  private FunctionCounter.Builder<FilterMetrics> cacheCounter(
      String name, String description, FilterMetrics metrics, ToLongFunction<TokenCache> reading) {
    return counter(name, description, metrics, m -> m.cache(reading));
  }

  private FunctionCounter.Builder<FilterMetrics> sharedCounter(
      String name,
      String description,
      FilterMetrics metrics,
      ToLongFunction<SharedTokenCache> reading) {
    return counter(name, description, metrics, m -> m.shared(reading));
  }

  private static FunctionCounter.Builder<FilterMetrics> endpointCounter(
      String name,
      String description,
      FilterMetrics metrics,
      int index,
      Tags tags,
      ToLongFunction<EndpointPool.Member> reading) {
    return FunctionCounter.builder(name, metrics, m -> m.endpoint(index, reading))
        .description(description)
        .tags(tags);
  }
}
