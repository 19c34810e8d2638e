package io.github.keystoneauthfilter.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The shared token cache in memcached ({@code memcached_servers} set).
 *
 * @param servers {@code memcached_servers}, at least one
 * @param protection {@code memcache_security_strategy} with its {@code memcache_secret_key}
 * @param socketTimeout {@code memcache_pool_socket_timeout}
 * @param deadRetry {@code memcache_pool_dead_retry}
 * @param poolMaxsize {@code memcache_pool_maxsize}
 */
public record SharedCacheSettings(
    List<InetSocketAddress> servers,
    Protection protection,
    Duration socketTimeout,
    Duration deadRetry,
    int poolMaxsize) {

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
