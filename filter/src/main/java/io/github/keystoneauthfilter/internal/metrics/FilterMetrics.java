package io.github.keystoneauthfilter.internal.metrics;

import io.github.keystoneauthfilter.internal.cache.SharedTokenCache;
import io.github.keystoneauthfilter.internal.cache.TokenCache;
import io.github.keystoneauthfilter.internal.endpoint.Bulkhead;
import io.github.keystoneauthfilter.internal.endpoint.CircuitBreaker;
import io.github.keystoneauthfilter.internal.endpoint.EndpointMember;
import io.github.keystoneauthfilter.internal.endpoint.EndpointPool;
import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * The filter's counters of request outcomes, and the live stages whose counters the metrics read
 * (the endpoint pool, the caches, the bulkhead), once the filter is started. Every counter is a
 * {@link LongAdder}: counting costs no allocation and no lock on the request path. Snapshots,
 * Micrometer meters and JMX attributes all read these same counters.
 */
public final class FilterMetrics {
  public final LongAdder confirmed = new LongAdder();
  public final LongAdder invalid = new LongAdder();
  public final LongAdder unavailable = new LongAdder();
  public final LongAdder excluded = new LongAdder();

  /**
   * Each filter's (or validator's) counters, found by the object that owns them: how the public
   * {@code metrics} package reaches them without a public accessor on the API types. Weak keys
   * compared by identity (the owners do not override {@code equals}), so an owner and its counters
   * go together.
   */
  private static final Map<Object, FilterMetrics> OWNERS =
      Collections.synchronizedMap(new WeakHashMap<>());

  /**
   * New counters, registered as {@code owner}'s.
   *
   * @param owner the filter or validator that counts into them
   */
  public static FilterMetrics createFor(Object owner) {
    FilterMetrics metrics = new FilterMetrics();
    OWNERS.put(owner, metrics);
    return metrics;
  }

  /**
   * The counters registered for {@code owner}.
   *
   * @throws IllegalStateException if none were
   */
  public static FilterMetrics of(Object owner) {
    FilterMetrics metrics = OWNERS.get(owner);
    if (metrics == null) {
      throw new IllegalStateException("no metrics registered for " + owner.getClass().getName());
    }
    return metrics;
  }

  /** The stages of a started filter. */
  private record Stages(
      EndpointPool pool, TokenCache cache, Bulkhead bulkhead, @Nullable SharedTokenCache shared) {}

  private volatile @Nullable Stages stages;

  /** Called once the stages are wired; {@code shared} is null without memcached. */
  public void attach(
      EndpointPool pool, TokenCache cache, Bulkhead bulkhead, @Nullable SharedTokenCache shared) {
    this.stages = new Stages(pool, cache, bulkhead, shared);
  }

  /** Whether the filter is started. */
  public boolean attached() {
    return stages != null;
  }

  /** The endpoints, in order; empty before the filter is started. */
  public List<EndpointMember> members() {
    Stages current = stages;
    return current == null ? List.of() : current.pool().members();
  }

  /** A reading of endpoint {@code index} (0 before start or past the end). */
  public long endpoint(int index, ToLongFunction<EndpointMember> reading) {
    List<EndpointMember> members = members();
    return index < members.size() ? reading.applyAsLong(members.get(index)) : 0;
  }

  /** A reading of the cache (0 before start). */
  public long cache(ToLongFunction<TokenCache> reading) {
    Stages current = stages;
    return current == null ? 0 : reading.applyAsLong(current.cache());
  }

  /** A reading of the shared cache (0 before start, or when there is none). */
  public long shared(ToLongFunction<SharedTokenCache> reading) {
    Stages current = stages;
    SharedTokenCache shared = current == null ? null : current.shared();
    return shared == null ? 0 : reading.applyAsLong(shared);
  }

  /** Requests refused by the bulkhead (0 before start). */
  public long bulkheadRejected() {
    Stages current = stages;
    return current == null ? 0 : current.bulkhead().refused();
  }

  /**
   * A copy of every figure.
   *
   * @throws IllegalStateException before the filter is started
   */
  public MetricsSnapshot snapshot() {
    Stages current = stages;
    if (current == null) {
      throw new IllegalStateException("KeystoneAuthFilter is not initialised");
    }
    MetricsSnapshot.Requests requests =
        new MetricsSnapshot.Requests(
            Counter.REQUESTS_CONFIRMED.read(this),
            Counter.REQUESTS_INVALID.read(this),
            Counter.REQUESTS_UNAVAILABLE.read(this),
            Counter.REQUESTS_BULKHEAD_REJECTED.read(this),
            Counter.REQUESTS_EXCLUDED.read(this));
    long size = Counter.CACHE_SIZE.read(this); // first: its clean-up counts due expirations
    long invalidSize = Counter.CACHE_INVALID_SIZE.read(this);
    MetricsSnapshot.Cache cached =
        new MetricsSnapshot.Cache(
            Counter.CACHE_HITS.read(this),
            Counter.CACHE_INVALID_HITS.read(this),
            Counter.CACHE_MISSES.read(this),
            Counter.CACHE_JOINS.read(this),
            Counter.CACHE_EVICTIONS.read(this),
            Counter.CACHE_EXPIRATIONS.read(this),
            size,
            invalidSize);
    List<MetricsSnapshot.Endpoint> endpoints = new ArrayList<>();
    for (EndpointMember member : current.pool().members()) {
      CircuitBreaker.State breaker = member.breaker().state(); // once: one consistent state
      endpoints.add(
          new MetricsSnapshot.Endpoint(
              member.endpoint().uri(),
              breaker.name().name(),
              EndpointCounter.VALID.read(member),
              EndpointCounter.INVALID.read(member),
              EndpointCounter.FAILURES.read(member),
              EndpointCounter.SKIPPED.read(member),
              EndpointCounter.FAILOVERS.read(member),
              EndpointCounter.TIMES_OPENED.read(member),
              EndpointCounter.CALLS.read(member),
              Duration.ofNanos(EndpointCounter.CALL_NANOS.read(member)),
              Duration.ofNanos(EndpointCounter.MAX_CALL_NANOS.read(member)),
              breaker.consecutiveFailures(),
              breaker.openings(),
              breaker.openUntil(),
              EndpointCounter.LATE.read(member),
              EndpointCounter.HEDGES_SENT.read(member),
              EndpointCounter.HEDGES_WON.read(member),
              EndpointCounter.DEMOTIONS.read(member),
              EndpointCounter.PROBES.read(member),
              EndpointCounter.DEMOTED.read(member) == 1,
              Duration.ofNanos(EndpointCounter.HEDGE_DELAY_NANOS.read(member)),
              Duration.ofNanos(EndpointCounter.LATENCY_P50_NANOS.read(member)),
              Duration.ofNanos(EndpointCounter.LATENCY_P99_NANOS.read(member))));
    }
    MetricsSnapshot.SharedCache sharedCache = null;
    if (current.shared() != null) {
      sharedCache =
          new MetricsSnapshot.SharedCache(
              Counter.SHARED_CACHE_HITS.read(this),
              Counter.SHARED_CACHE_MISSES.read(this),
              Counter.SHARED_CACHE_REJECTED.read(this),
              Counter.SHARED_CACHE_WRITES.read(this),
              Counter.SHARED_CACHE_STORE_FAILURES.read(this));
    }
    return new MetricsSnapshot(requests, cached, endpoints, sharedCache);
  }
}
