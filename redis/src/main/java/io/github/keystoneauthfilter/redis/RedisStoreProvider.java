package io.github.keystoneauthfilter.redis;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.config.RedisSettings;
import io.github.keystoneauthfilter.spi.SharedCacheStore;
import io.github.keystoneauthfilter.spi.SharedCacheStoreProvider;

/**
 * Serves {@code redis_url}: a {@link RedisStore} on the Redis or Valkey it names, each call limited
 * to {@code memcache_pool_socket_timeout}. Registered for {@link java.util.ServiceLoader}.
 */
public final class RedisStoreProvider implements SharedCacheStoreProvider {

  /** Used by {@link java.util.ServiceLoader}. */
  public RedisStoreProvider() {}

  @Override
  public String option() {
    return "redis_url";
  }

  @Override
  public SharedCacheStore open(KeystoneAuthConfig config) {
    RedisSettings redis = config.sharedCache().redis();
    if (redis == null) {
      throw new IllegalArgumentException("redis_url is not set");
    }
    return RedisStore.open(redis, config.sharedCache().socketTimeout());
  }
}
