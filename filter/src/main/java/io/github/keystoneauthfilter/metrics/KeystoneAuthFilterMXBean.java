package io.github.keystoneauthfilter.metrics;

/**
 * A filter's request outcomes and token cache, read-only, under {@code
 * io.github.keystoneauthfilter:type=KeystoneAuthFilter,name=<metrics_jmx_name>}. Each attribute is
 * the figure of the same name in {@link io.github.keystoneauthfilter.metrics.MetricsSnapshot}.
 */
public interface KeystoneAuthFilterMXBean {
  /** Requests passed on as Confirmed. */
  long getRequestsConfirmed();

  /** Requests without a valid token (401, or passed on as Invalid with delay_auth_decision). */
  long getRequestsInvalid();

  /** Requests no Keystone could answer for (503, or Invalid with delay_auth_decision). */
  long getRequestsUnavailable();

  /** Of the unavailable ones, those refused by max_concurrent_validations. */
  long getRequestsBulkheadRejected();

  /** Requests let through on excluded_paths. */
  long getRequestsExcluded();

  /** Lookups answered from the cache of valid identities. */
  long getCacheHits();

  /** Lookups answered from the cache of invalid answers. */
  long getCacheInvalidHits();

  /** Lookups that found nothing cached. */
  long getCacheMisses();

  /** Misses that waited for a validation of the same token already in flight. */
  long getCacheJoins();

  /** Valid identities pushed out because the cache was full. */
  long getCacheEvictions();

  /** Valid identities dropped because their time was up. */
  long getCacheExpirations();

  /** Valid identities cached now. */
  long getCacheSize();

  /** Invalid answers cached now. */
  long getCacheInvalidSize();

  /** Identities served from the shared cache on memcached (0 without memcached). */
  long getSharedCacheHits();

  /** Shared cache lookups that went on to Keystone, including rejected entries. */
  long getSharedCacheMisses();

  /** Shared cache entries found but not used: failed MAC, decryption or decoding. */
  long getSharedCacheRejected();

  /** Identities written to the shared cache (attempted). */
  long getSharedCacheWrites();

  /** memcached calls that failed or timed out. */
  long getSharedCacheStoreFailures();
}
