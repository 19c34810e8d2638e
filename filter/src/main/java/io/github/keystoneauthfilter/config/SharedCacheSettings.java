package io.github.keystoneauthfilter.config;

import io.github.keystoneauthfilter.spi.SharedCacheStoreProvider;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The shared token cache: in memcached ({@code memcached_servers} set), on Redis ({@code redis_url}
 * set), on the store of a provider the application gave ({@link
 * io.github.keystoneauthfilter.KeystoneAuthConfigBuilder#sharedCacheStore}), or none; never two.
 *
 * @param servers {@code memcached_servers}; empty when not on memcached
 * @param protection {@code memcache_security_strategy} with its {@code memcache_secret_key}
 * @param socketTimeout {@code memcache_pool_socket_timeout}
 * @param deadRetry {@code memcache_pool_dead_retry}
 * @param poolMaxsize {@code memcache_pool_maxsize}
 * @param redis {@code redis_url} and {@code redis_cafile}, or null when not on Redis
 * @param storeProvider the provider the application gave for the shared cache's store, or null
 */
public record SharedCacheSettings(
    List<InetSocketAddress> servers,
    Protection protection,
    Duration socketTimeout,
    Duration deadRetry,
    int poolMaxsize,
    @Nullable RedisSettings redis,
    @Nullable SharedCacheStoreProvider storeProvider) {

  /** Copies the server list. */
  public SharedCacheSettings {
    servers = List.copyOf(servers);
  }

  /** How entries are protected; {@code toString()} never shows the secret key. */
  public sealed interface Protection {}

  /** {@code None}: entries neither signed nor encrypted. */
  public record Unprotected() implements Protection {}

  /**
   * {@code MAC}: entries signed.
   *
   * @param secretKey {@code memcache_secret_key}; never log it
   */
  public record Signed(String secretKey) implements Protection {
    @Override
    public String toString() {
      return "Signed[secretKey=***]";
    }
  }

  /**
   * {@code ENCRYPT}: entries signed and encrypted.
   *
   * @param secretKey {@code memcache_secret_key}; never log it
   */
  public record Encrypted(String secretKey) implements Protection {
    @Override
    public String toString() {
      return "Encrypted[secretKey=***]";
    }
  }
}
