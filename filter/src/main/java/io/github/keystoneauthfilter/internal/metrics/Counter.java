package io.github.keystoneauthfilter.internal.metrics;

import io.github.keystoneauthfilter.internal.cache.SharedTokenCache;
import io.github.keystoneauthfilter.internal.cache.TokenCache;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * Every figure of a filter (or validator) as a whole, defined once: how it is read from the live
 * stages, and what it is called as a Micrometer meter. The snapshot ({@link
 * FilterMetrics#snapshot}), the JMX attributes ({@link JmxMetrics}) and the Micrometer meters
 * ({@code KeystoneAuthMeterBinder}) all read through these constants; none keeps a copy.
 */
public enum Counter {
  REQUESTS_CONFIRMED(Group.REQUESTS, m -> m.confirmed.sum(), "outcome", "confirmed"),
  REQUESTS_INVALID(Group.REQUESTS, m -> m.invalid.sum(), "outcome", "invalid"),
  REQUESTS_UNAVAILABLE(Group.REQUESTS, m -> m.unavailable.sum(), "outcome", "unavailable"),
  REQUESTS_EXCLUDED(Group.REQUESTS, m -> m.excluded.sum(), "outcome", "excluded"),
  REQUESTS_BULKHEAD_REJECTED(
      Group.REQUESTS,
      FilterMetrics::bulkheadRejected,
      "keystone.auth.requests.bulkhead.rejected",
      "Requests refused with 503 because max_concurrent_validations were in flight",
      null,
      null),
  CACHE_HITS(Group.CACHE, cache(TokenCache::hits), "result", "hit"),
  CACHE_INVALID_HITS(Group.CACHE, cache(TokenCache::invalidHits), "result", "invalid_hit"),
  CACHE_MISSES(Group.CACHE, cache(TokenCache::misses), "result", "miss"),
  CACHE_JOINS(
      Group.CACHE,
      cache(TokenCache::joins),
      "keystone.auth.cache.joins",
      "Misses that waited for a validation of the same token already in flight",
      null,
      null),
  CACHE_EVICTIONS(
      Group.CACHE,
      cache(TokenCache::evictions),
      Names.EVICTIONS,
      Names.EVICTIONS_TEXT,
      "cause",
      "size"),
  CACHE_EXPIRATIONS(
      Group.CACHE,
      cache(TokenCache::expirations),
      Names.EVICTIONS,
      Names.EVICTIONS_TEXT,
      "cause",
      "expired"),
  /** A gauge: entries now. Read first when taking a snapshot (its clean-up counts expirations). */
  CACHE_SIZE(
      Group.CACHE, cache(TokenCache::estimatedSize), Names.SIZE, Names.SIZE_TEXT, "cache", "valid"),
  /** A gauge: entries now. */
  CACHE_INVALID_SIZE(
      Group.CACHE, cache(TokenCache::invalidSize), Names.SIZE, Names.SIZE_TEXT, "cache", "invalid"),
  SHARED_CACHE_HITS(Group.SHARED_CACHE, shared(SharedTokenCache::hits), "result", "hit"),
  SHARED_CACHE_MISSES(Group.SHARED_CACHE, shared(SharedTokenCache::misses), "result", "miss"),
  SHARED_CACHE_REJECTED(
      Group.SHARED_CACHE,
      shared(SharedTokenCache::rejected),
      "keystone.auth.shared.cache.rejected",
      "Shared cache entries not used: failed MAC, decryption or decoding, or past their"
          + " time (counted as misses)",
      null,
      null),
  SHARED_CACHE_WRITES(
      Group.SHARED_CACHE,
      shared(SharedTokenCache::writes),
      "keystone.auth.shared.cache.writes",
      "Identities written to the shared cache",
      null,
      null),
  SHARED_CACHE_STORE_FAILURES(
      Group.SHARED_CACHE,
      shared(SharedTokenCache::storeFailures),
      "keystone.auth.shared.cache.store.failures",
      "memcached calls that failed or timed out",
      null,
      null);

  /** Which part of the filter a figure belongs to. */
  public enum Group {
    /** Requests by outcome: meters {@code keystone.auth.requests}. */
    REQUESTS("keystone.auth.requests", "Requests the Keystone auth filter decided, by outcome"),
    /** The in-process token cache: meters {@code keystone.auth.cache.gets}. */
    CACHE("keystone.auth.cache.gets", "Token cache lookups, by result"),
    /** The shared cache on memcached (only with one): {@code keystone.auth.shared.cache.gets}. */
    SHARED_CACHE(
        "keystone.auth.shared.cache.gets", "Shared token cache (memcached) lookups, by result");

    private final String meter;
    private final String description;
    private final String prefix;

    Group(String meter, String description) {
      this.meter = meter;
      this.description = description;
      this.prefix = camelCase(name());
    }
  }

  /** Meter names and descriptions used by more than one constant. */
  private static final class Names {
    static final String EVICTIONS = "keystone.auth.cache.evictions";
    static final String EVICTIONS_TEXT = "Valid identities dropped from the token cache, by cause";
    static final String SIZE = "keystone.auth.cache.size";
    static final String SIZE_TEXT = "Entries in the token cache";
  }

  private final Group group;

  // Each constant's reading is a method reference or lambda that captures nothing: immutable.
  @SuppressWarnings("ImmutableEnumChecker")
  private final ToLongFunction<FilterMetrics> reading;

  private final String meter;
  private final String description;
  private final @Nullable String tagKey;
  private final @Nullable String tagValue;

  /** A figure counted under its group's meter name, told apart by one tag. */
  Counter(Group group, ToLongFunction<FilterMetrics> reading, String tagKey, String tagValue) {
    this(group, reading, group.meter, group.description, tagKey, tagValue);
  }

  Counter(
      Group group,
      ToLongFunction<FilterMetrics> reading,
      String meter,
      String description,
      @Nullable String tagKey,
      @Nullable String tagValue) {
    this.group = group;
    this.reading = reading;
    this.meter = meter;
    this.description = description;
    this.tagKey = tagKey;
    this.tagValue = tagValue;
  }

  private static ToLongFunction<FilterMetrics> cache(ToLongFunction<TokenCache> reading) {
    return m -> m.cache(reading);
  }

  private static ToLongFunction<FilterMetrics> shared(ToLongFunction<SharedTokenCache> reading) {
    return m -> m.shared(reading);
  }

  /** The figure now (0 before the stages are attached, or without a shared cache). */
  public long read(FilterMetrics metrics) {
    return reading.applyAsLong(metrics);
  }

  /**
   * Its JMX attribute on {@code KeystoneAuthFilterMXBean}: the constant's name in camel case
   * ({@code CACHE_INVALID_HITS} is {@code CacheInvalidHits}).
   */
  public String jmxAttribute() {
    return camelCase(name());
  }

  /** {@code CACHE_INVALID_HITS} as {@code CacheInvalidHits}. */
  private static String camelCase(String constant) {
    StringBuilder name = new StringBuilder(constant.length());
    boolean wordStart = true;
    for (int i = 0; i < constant.length(); i++) {
      char c = constant.charAt(i);
      if (c == '_') {
        wordStart = true;
      } else {
        name.append(wordStart ? c : Character.toLowerCase(c));
        wordStart = false;
      }
    }
    return name.toString();
  }

  /**
   * Its component in the snapshot's record for its group ({@code MetricsSnapshot.requests()},
   * {@code cache()}, {@code sharedCache()}): the rest of the name after the group's, in camel case
   * ({@code CACHE_INVALID_HITS} is {@code invalidHits}).
   */
  public String snapshotComponent() {
    String attribute = jmxAttribute();
    String rest = attribute.substring(group.prefix.length());
    return Character.toLowerCase(rest.charAt(0)) + rest.substring(1);
  }

  /** The part of the filter it belongs to. */
  public Group group() {
    return group;
  }

  /** Whether it is a level (a gauge) rather than a count that only grows. */
  public boolean isGauge() {
    return this == CACHE_SIZE || this == CACHE_INVALID_SIZE;
  }

  /** Its Micrometer meter name. */
  public String meter() {
    return meter;
  }

  /** Its Micrometer description. */
  public String description() {
    return description;
  }

  /** The tag telling it apart from the others of its meter name, or null. */
  public @Nullable String tagKey() {
    return tagKey;
  }

  /** The value of {@link #tagKey}, or null. */
  public @Nullable String tagValue() {
    return tagValue;
  }
}
