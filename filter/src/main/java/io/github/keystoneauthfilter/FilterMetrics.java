package io.github.keystoneauthfilter;

import io.github.keystoneauthfilter.cache.SharedTokenCache;
import io.github.keystoneauthfilter.cache.TokenCache;
import io.github.keystoneauthfilter.endpoint.Bulkhead;
import io.github.keystoneauthfilter.endpoint.EndpointPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * The filter's counters of request outcomes, and the live stages whose counters the metrics read
 * (the endpoint pool, the caches, the bulkhead), once the filter is started. Every counter is a
 * {@link LongAdder}: counting costs no allocation and no lock on the request path. Snapshots,
 * Micrometer meters and JMX attributes all read these same counters.
 */
final class FilterMetrics {
  final LongAdder confirmed = new LongAdder();
  final LongAdder invalid = new LongAdder();
  final LongAdder unavailable = new LongAdder();
  final LongAdder excluded = new LongAdder();

  /** The stages of a started filter. */
  private record Stages(
      EndpointPool pool, TokenCache cache, Bulkhead bulkhead, @Nullable SharedTokenCache shared) {}

  private volatile @Nullable Stages stages;

  /** Called once the stages are wired; {@code shared} is null without memcached. */
  void attach(
      EndpointPool pool, TokenCache cache, Bulkhead bulkhead, @Nullable SharedTokenCache shared) {
    this.stages = new Stages(pool, cache, bulkhead, shared);
  }

  /** Whether the filter is started. */
  boolean attached() {
    return stages != null;
  }

  /** The endpoints, in order; empty before the filter is started. */
  List<EndpointPool.Member> members() {
    Stages current = stages;
    return current == null ? List.of() : current.pool().members();
  }

  /** A reading of endpoint {@code index} (0 before start or past the end). */
  long endpoint(int index, ToLongFunction<EndpointPool.Member> reading) {
    List<EndpointPool.Member> members = members();
    return index < members.size() ? reading.applyAsLong(members.get(index)) : 0;
  }

  /** A reading of the cache (0 before start). */
  long cache(ToLongFunction<TokenCache> reading) {
    Stages current = stages;
    return current == null ? 0 : reading.applyAsLong(current.cache());
  }

  /** A reading of the shared cache (0 before start, or when there is none). */
  long shared(ToLongFunction<SharedTokenCache> reading) {
    Stages current = stages;
    SharedTokenCache shared = current == null ? null : current.shared();
    return shared == null ? 0 : reading.applyAsLong(shared);
  }

  /** Requests refused by the bulkhead (0 before start). */
  long bulkheadRejected() {
    Stages current = stages;
    return current == null ? 0 : current.bulkhead().refused();
  }

  /**
   * A copy of every figure.
   *
   * @throws IllegalStateException before the filter is started
   */
  MetricsSnapshot snapshot() {
    Stages current = stages;
    if (current == null) {
      throw new IllegalStateException("KeystoneAuthFilter is not initialised");
    }
    MetricsSnapshot.Requests requests =
        new MetricsSnapshot.Requests(
            confirmed.sum(),
            invalid.sum(),
            unavailable.sum(),
            current.bulkhead().refused(),
            excluded.sum());
    TokenCache cache = current.cache();
    long size = cache.estimatedSize(); // first: its clean-up counts due expirations
    long invalidSize = cache.invalidSize();
    MetricsSnapshot.Cache cached =
        new MetricsSnapshot.Cache(
            cache.hits(),
            cache.invalidHits(),
            cache.misses(),
            cache.joins(),
            cache.evictions(),
            cache.expirations(),
            size,
            invalidSize);
    List<MetricsSnapshot.Endpoint> endpoints = new ArrayList<>();
    for (EndpointPool.Member member : current.pool().members()) {
      endpoints.add(
          new MetricsSnapshot.Endpoint(
              member.endpoint().uri(),
              member.breaker().state().name().name(),
              member.valid(),
              member.invalid(),
              member.failures(),
              member.skipped(),
              member.failovers(),
              member.breaker().timesOpened(),
              member.calls(),
              Duration.ofNanos(member.callNanos()),
              Duration.ofNanos(member.maxCallNanos())));
    }
    SharedTokenCache shared = current.shared();
    MetricsSnapshot.SharedCache sharedCache = null;
    if (shared != null) {
      sharedCache =
          new MetricsSnapshot.SharedCache(
              shared.hits(),
              shared.misses(),
              shared.rejected(),
              shared.writes(),
              shared.storeFailures());
    }
    return new MetricsSnapshot(requests, cached, endpoints, sharedCache);
  }
}
