package io.github.keystoneauthfilter.internal.cache;

import org.jspecify.annotations.Nullable;

/**
 * A cache shared by every instance of a service (memcached in production, a map in tests). It holds
 * opaque bytes; what they mean, and whether they can be trusted, is {@link SharedTokenCache}'s
 * business.
 *
 * <p>A store never throws and never blocks longer than its own short timeout: an unreachable store
 * is a miss, and a failed write is forgotten.
 */
public interface SharedStore extends AutoCloseable {

  /** The value stored under {@code key}, or null when there is none or it cannot be fetched. */
  byte @Nullable [] get(String key);

  /** Stores {@code value} under {@code key} for {@code ttlSeconds} (at least 1); may fail. */
  void set(String key, byte[] value, int ttlSeconds);

  /**
   * Calls that failed or timed out so far (skipped calls not counted); 0 for a store that cannot
   * fail.
   */
  default long failures() {
    return 0;
  }

  /** Releases connections and threads. */
  @Override
  void close();
}
