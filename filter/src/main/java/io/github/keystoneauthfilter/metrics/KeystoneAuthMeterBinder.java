package io.github.keystoneauthfilter.metrics;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.KeystoneTokenValidator;
import io.github.keystoneauthfilter.config.SharedCacheSettings;
import io.github.keystoneauthfilter.internal.endpoint.CircuitBreaker;
import io.github.keystoneauthfilter.internal.metrics.Counter;
import io.github.keystoneauthfilter.internal.metrics.EndpointCounter;
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
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Offers a filter's metrics to Micrometer: {@code new
 * KeystoneAuthMeterBinder(filter).bindTo(registry)} (with Spring Boot, declare it as a {@code
 * MeterBinder} bean). The meters read the filter's own counters when the registry asks, so they
 * cost nothing per request. Meter names and tags are listed in docs/operations.md ("Metrics").
 *
 * <p>Micrometer is an optional dependency of the filter: this is the only class that uses it, and
 * it is loaded only when the application refers to it.
 *
 * <p>Bind it after the filter's {@code init}, or to a filter constructed with a {@link
 * KeystoneAuthConfig} (its endpoints are then known; its meters read 0 until {@code init}).
 */
public final class KeystoneAuthMeterBinder implements MeterBinder {
  /** The filter or validator whose counters the meters read. */
  private final Object owner;

  private final Supplier<KeystoneAuthConfig> settings;
  private final Tags tags;

  /** Meters for {@code filter}, without extra tags. */
  public KeystoneAuthMeterBinder(KeystoneAuthFilter filter) {
    this(filter, Tags.empty());
  }

  /** Meters for {@code filter}, each with {@code tags} too (to tell several filters apart). */
  public KeystoneAuthMeterBinder(KeystoneAuthFilter filter, Iterable<Tag> tags) {
    this.owner = filter;
    this.settings = filter::settings;
    this.tags = Tags.of(tags);
  }

  /** Meters for a {@link KeystoneTokenValidator} used without the filter, without extra tags. */
  public KeystoneAuthMeterBinder(KeystoneTokenValidator validator) {
    this(validator, Tags.empty());
  }

  /** Meters for {@code validator}, each with {@code tags} too. */
  public KeystoneAuthMeterBinder(KeystoneTokenValidator validator, Iterable<Tag> tags) {
    this.owner = validator;
    this.settings = validator::settings;
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
      endpoints = settings.get().authUrls();
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          "bind KeystoneAuthMeterBinder after the filter's init(), or construct the filter with"
              + " a KeystoneAuthConfig",
          e);
    }
    FilterMetrics metrics = FilterMetrics.of(owner);
    SharedCacheSettings sharedCache = settings.get().sharedCache();
    boolean shared =
        !sharedCache.servers().isEmpty()
            || sharedCache.redis() != null
            || sharedCache.storeProvider() != null;
    for (Counter counter : Counter.values()) {
      if (counter.group() != Counter.Group.SHARED_CACHE || shared) {
        register(registry, counter, metrics);
      }
    }
    for (int i = 0; i < endpoints.size(); i++) {
      endpoint(registry, metrics, i, Tags.concat(tags, "endpoint", endpoints.get(i).toString()));
    }
  }

  /** One meter of the filter as a whole: a function counter, or a gauge for the cache sizes. */
  private void register(MeterRegistry registry, Counter counter, FilterMetrics metrics) {
    Tags meterTags = withTag(tags, counter.tagKey(), counter.tagValue());
    if (counter.isGauge()) {
      Gauge.builder(counter.meter(), metrics, m -> counter.read(m))
          .description(counter.description())
          .tags(meterTags)
          .register(registry);
    } else {
      FunctionCounter.builder(counter.meter(), metrics, m -> counter.read(m))
          .description(counter.description())
          .tags(meterTags)
          .register(registry);
    }
  }

  private static Tags withTag(Tags tags, @Nullable String key, @Nullable String value) {
    return key == null || value == null ? tags : tags.and(key, value);
  }

  private static void endpoint(
      MeterRegistry registry, FilterMetrics metrics, int index, Tags tags) {
    for (EndpointCounter counter : EndpointCounter.values()) {
      String meter = counter.meter();
      if (meter == null) {
        continue; // the latency figures: the timer and the gauge below
      }
      FunctionCounter.builder(meter, metrics, m -> counter.read(m, index))
          .description(counter.description())
          .tags(withTag(tags, counter.tagKey(), counter.tagValue()))
          .register(registry);
    }
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
            m -> EndpointCounter.CALLS.read(m, index),
            m -> EndpointCounter.CALL_NANOS.read(m, index),
            TimeUnit.NANOSECONDS)
        .description("Calls to a Keystone endpoint (answered or failed) and their time")
        .tags(tags)
        .register(registry);
    TimeGauge.builder(
            "keystone.auth.endpoint.latency.max",
            metrics,
            TimeUnit.NANOSECONDS,
            m -> EndpointCounter.MAX_CALL_NANOS.read(m, index))
        .description("The longest call to a Keystone endpoint since start")
        .tags(tags)
        .register(registry);
    Gauge.builder(
            "keystone.auth.endpoint.demoted", metrics, m -> EndpointCounter.DEMOTED.read(m, index))
        .description("1 while a Keystone endpoint is demoted behind the others for being late")
        .tags(tags)
        .register(registry);
    TimeGauge.builder(
            "keystone.auth.endpoint.hedge.delay",
            metrics,
            TimeUnit.NANOSECONDS,
            m -> EndpointCounter.HEDGE_DELAY_NANOS.read(m, index))
        .description("The hedge delay last used for a Keystone endpoint")
        .tags(tags)
        .register(registry);
    for (EndpointCounter percentile :
        List.of(EndpointCounter.LATENCY_P50_NANOS, EndpointCounter.LATENCY_P99_NANOS)) {
      TimeGauge.builder(
              "keystone.auth.endpoint.latency.recent",
              metrics,
              TimeUnit.NANOSECONDS,
              m -> percentile.read(m, index))
          .description("A percentile of a Keystone endpoint's last 256 answers")
          .tags(tags)
          .tag("quantile", percentile == EndpointCounter.LATENCY_P50_NANOS ? "0.5" : "0.99")
          .register(registry);
    }
  }
}
