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
 * @param entryFormat {@code memcache_entry_format}: this filter's entries or keystonemiddleware's
 * @param storeProvider the provider the application gave for the shared cache's store, or null
 */
public record SharedCacheSettings(
    List<InetSocketAddress> servers,
    Protection protection,
    Duration socketTimeout,
    Duration deadRetry,
    int poolMaxsize,
    @Nullable RedisSettings redis,
    EntryFormat entryFormat,
    @Nullable SharedCacheStoreProvider storeProvider) {

  /** Copies the server list. */
  public SharedCacheSettings {
    servers = List.copyOf(servers);
    java.util.Objects.requireNonNull(entryFormat, "entryFormat");
  }

  /**
   * The settings with this filter's own entries ({@link EntryFormat#NATIVE}) and no store the
   * application gave.
   *
   * @param servers {@code memcached_servers}
   * @param protection {@code memcache_security_strategy} with its key
   * @param socketTimeout {@code memcache_pool_socket_timeout}
   * @param deadRetry {@code memcache_pool_dead_retry}
   * @param poolMaxsize {@code memcache_pool_maxsize}
   * @param redis {@code redis_url} and {@code redis_cafile}, or null
   */
  public SharedCacheSettings(
      List<InetSocketAddress> servers,
      Protection protection,
      Duration socketTimeout,
      Duration deadRetry,
      int poolMaxsize,
      @Nullable RedisSettings redis) {
    this(
        servers,
        protection,
        socketTimeout,
        deadRetry,
        poolMaxsize,
        redis,
        EntryFormat.NATIVE,
        null);
  }

  /** {@code memcache_entry_format}: how entries in memcached are named and what they hold. */
  public enum EntryFormat {
    /**
     * {@code native} (default): this filter's own entries, which only this filter reads (smaller,
     * and each carries the time until which it may be used).
     */
    NATIVE("native"),
    /**
     * {@code keystonemiddleware}: keystonemiddleware's entries (its key scheme, Keystone's answer
     * as the value), so that Python services with {@code auth_token} and this filter share one
     * cache in memcached.
     */
    KEYSTONEMIDDLEWARE("keystonemiddleware");

    private final String optionValue;

    EntryFormat(String optionValue) {
      this.optionValue = optionValue;
    }

    /** The value of the option. */
    public String optionValue() {
      return optionValue;
    }
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
