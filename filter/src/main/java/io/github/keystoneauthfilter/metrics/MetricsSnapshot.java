package io.github.keystoneauthfilter.metrics;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What one filter has done since {@link io.github.keystoneauthfilter.KeystoneAuthFilter#init init}:
 * a read-only copy taken by {@link io.github.keystoneauthfilter.KeystoneAuthFilter#metrics()
 * metrics()}. Counters only grow (take two snapshots and subtract for a rate); sizes and breaker
 * states are as they were when taken. The same figures are offered to Micrometer by {@link
 * KeystoneAuthMeterBinder} and over JMX with the {@code metrics_jmx_name} option.
 *
 * @param requests requests by outcome
 * @param cache the token cache
 * @param endpoints each Keystone endpoint, in the configured order
 * @param sharedCache the shared token cache on memcached or Redis; null when there is none (neither
 *     {@code memcached_servers} nor {@code redis_url} set, or {@code token_cache_time} 0)
 */
public record MetricsSnapshot(
    Requests requests, Cache cache, List<Endpoint> endpoints, @Nullable SharedCache sharedCache) {

  /** Copies {@code endpoints}. */
  public MetricsSnapshot {
    endpoints = List.copyOf(endpoints);
  }

  /**
   * Requests the filter decided, by outcome (one per request; requests passed on without a
   * decision, such as forwards, are not counted).
   *
   * @param confirmed the token (and service token, if sent) was valid: passed on as Confirmed
   * @param invalid no token, or an invalid one: 401, or passed on as Invalid with {@code
   *     delay_auth_decision}
   * @param unavailable no Keystone could answer (including bulkhead rejections): 503, or passed on
   *     as Invalid with {@code delay_auth_decision}
   * @param bulkheadRejected of {@code unavailable}, those refused because {@code
   *     max_concurrent_validations} validations were already in flight
   * @param excluded let through without a token on {@code excluded_paths}
   */
  public record Requests(
      long confirmed, long invalid, long unavailable, long bulkheadRejected, long excluded) {}

  /**
   * The in-process token cache.
   *
   * @param hits lookups answered from the cache of valid identities
   * @param invalidHits lookups answered from the cache of invalid answers
   * @param misses lookups that found nothing cached: each asked Keystone or joined a validation of
   *     the same token already in flight
   * @param joins of {@code misses}, those that waited for a validation already in flight (single
   *     flight) instead of asking Keystone
   * @param evictions valid identities pushed out because the cache was full ({@code
   *     token_cache_max_entries})
   * @param expirations valid identities dropped because their time was up ({@code token_cache_time}
   *     or the token's expiry)
   * @param size valid identities cached now
   * @param invalidSize invalid answers cached now
   */
  public record Cache(
      long hits,
      long invalidHits,
      long misses,
      long joins,
      long evictions,
      long expirations,
      long size,
      long invalidSize) {}

  /**
   * The shared token cache on memcached, asked after a miss in the in-process cache.
   *
   * @param hits identities served from memcached (no Keystone call)
   * @param misses lookups that went on to Keystone, including rejected entries
   * @param rejected of {@code misses}, entries found but not used: failed MAC, decryption or
   *     decoding (tampered with, or written with another secret or strategy), or past the time
   *     until which they may be used (replayed, or clocks out of step)
   * @param writes identities written to memcached (attempted)
   * @param storeFailures memcached calls that failed or timed out; a server skipped for {@code
   *     memcache_pool_dead_retry} is not called, so this stops growing while it is skipped
   */
  public record SharedCache(
      long hits, long misses, long rejected, long writes, long storeFailures) {}

  /**
   * One Keystone endpoint.
   *
   * @param url the endpoint, as configured (normalised)
   * @param state its circuit breaker: {@code CLOSED}, {@code OPEN} or {@code HALF_OPEN}
   * @param valid "valid" answers it gave
   * @param invalid "invalid" answers (404) it gave
   * @param failures calls that gave no answer (down, timeout, 5xx, garbage, refused credentials)
   * @param skipped times it was not asked because its breaker refused
   * @param failovers times a validation went on to a later endpoint because this one failed or was
   *     skipped
   * @param timesOpened times its breaker opened
   * @param calls calls made to it, answered or failed: the count of the latency figures
   * @param latencyTotal time spent in those calls, added up
   * @param latencyMax the longest of those calls
   * @param consecutiveFailures its breaker's failures in a row while CLOSED
   * @param openings its breaker's openings in a row since the endpoint last answered
   * @param openUntil while OPEN, when the next probe may go; else null
   * @param late calls still unanswered at their hedge delay, or answered after it
   * @param hedgesSent hedges sent to it because the endpoint asked before it was late
   * @param hedgesWon of {@code hedgesSent}, those whose answer was used
   * @param demotions times it was demoted behind the others for being late
   * @param probes probe calls made to it while it was demoted
   * @param demoted whether it is demoted now (asked after the others, probed now and then)
   * @param hedgeDelay the hedge delay last used for it (zero with hedging off)
   * @param latencyP50 the median of its last 256 answers (zero before the first)
   * @param latencyP99 the 99th percentile of its last 256 answers (zero before the first)
   */
  public record Endpoint(
      URI url,
      String state,
      long valid,
      long invalid,
      long failures,
      long skipped,
      long failovers,
      long timesOpened,
      long calls,
      Duration latencyTotal,
      Duration latencyMax,
      int consecutiveFailures,
      int openings,
      @Nullable Instant openUntil,
      long late,
      long hedgesSent,
      long hedgesWon,
      long demotions,
      long probes,
      boolean demoted,
      Duration hedgeDelay,
      Duration latencyP50,
      Duration latencyP99) {

    /** Definite answers (valid or invalid token) it gave. */
    public long answers() {
      return valid + invalid;
    }

    /** The same figures as an {@link EndpointStatus}, the breaker view. */
    public EndpointStatus status() {
      return new EndpointStatus(
          url, state, consecutiveFailures, openings, openUntil, answers(), failures, demoted);
    }
  }
}
