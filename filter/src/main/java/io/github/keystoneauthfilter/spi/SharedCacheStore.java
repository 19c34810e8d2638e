package io.github.keystoneauthfilter.spi;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A key-value store that holds the shared token cache's entries, made by a {@link
 * SharedCacheStoreProvider}. It holds opaque bytes: the filter names, signs, encrypts and checks
 * the entries ({@code memcache_security_strategy}) before they reach the store and after they come
 * back, so a store needs no knowledge of tokens or identities and must not log keys or values.
 *
 * <p>Calls are asynchronous and must not block the caller on the network: the filter waits for each
 * answer at most {@code memcache_pool_socket_timeout}, cancels a call it stops waiting for, and
 * after a failed or late call skips the store for {@code memcache_pool_dead_retry} (one call then
 * tries it again). A store therefore needs no retries and no health tracking of its own; it should
 * give up a call it cannot send (no connection) at once rather than queue it.
 *
 * <p>Implementations are thread-safe.
 */
public interface SharedCacheStore extends AutoCloseable {

  /**
   * Fetches the value under {@code key}.
   *
   * @param key printable ASCII, at most 250 characters
   * @return a stage completed with the value, with null when there is none, or exceptionally when
   *     the store failed (unreachable, error answer)
   */
  CompletionStage<byte @Nullable []> get(String key);

  /**
   * Stores {@code value} under {@code key}, to expire on the store after {@code ttl}.
   *
   * @param key printable ASCII, at most 250 characters
   * @param value the bytes to store
   * @param ttl at least one second, at most 30 days
   * @return a stage completed when the store has the value, or exceptionally when it failed
   */
  CompletionStage<?> set(String key, byte[] value, Duration ttl);

  /** Releases connections and threads; calls made afterwards fail. Never throws. */
  @Override
  void close();
}
