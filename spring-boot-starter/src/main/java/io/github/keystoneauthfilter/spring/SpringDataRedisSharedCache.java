package io.github.keystoneauthfilter.spring;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.spi.SharedCacheStore;
import io.github.keystoneauthfilter.spi.SharedCacheStoreProvider;
import java.util.Objects;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * The shared token cache on the application's own Spring Data Redis {@link RedisConnectionFactory}
 * (Boot's auto-configured Lettuce or Jedis one, from {@code spring.data.redis.*}): what {@code
 * keystone.auth.shared-cache=spring-data-redis} sets up. An application with its own {@link
 * KeystoneAuthConfig} bean can use it too: {@code builder.sharedCacheStore(new
 * SpringDataRedisSharedCache(factory, "redisConnectionFactory"))}.
 *
 * <p>Each filter opens one store ({@link #open}): {@code GET} and {@code SET key value EX ttl} with
 * the filter's derived key names and sealed bytes (the same entries as {@code redis_url}'s store,
 * so Spring and non-Spring services with the same {@code memcache_secret_key} share them). The
 * factory's API blocks, so the calls run on the store's own threads, {@code memcache_pool_maxsize}
 * of them (a pooled Jedis connection each while in a call), with at most 256 calls queued; the
 * filter waits for each at most {@code memcache_pool_socket_timeout} and skips a failing Redis for
 * {@code memcache_pool_dead_retry}. Closing the store stops its threads, never the factory: that is
 * the application's.
 */
public final class SpringDataRedisSharedCache implements SharedCacheStoreProvider {
  /** The property that chooses it, named in messages. */
  public static final String PROPERTY = "keystone.auth.shared-cache";

  private final RedisConnectionFactory factory;
  private final String beanName;

  /**
   * The shared cache on {@code factory}.
   *
   * @param factory the application's connection factory; not closed by the filter
   * @param beanName what the start-up log calls it (its bean name)
   */
  public SpringDataRedisSharedCache(RedisConnectionFactory factory, String beanName) {
    this.factory = Objects.requireNonNull(factory, "factory");
    this.beanName = Objects.requireNonNull(beanName, "beanName");
  }

  /** {@value #PROPERTY}: the property that chooses this store. */
  @Override
  public String option() {
    return PROPERTY;
  }

  /** A store on the factory, with {@code memcache_pool_maxsize} threads; connects nothing yet. */
  @Override
  public SharedCacheStore open(KeystoneAuthConfig config) {
    return new SpringDataRedisStore(
        factory,
        "Spring Data Redis, bean '" + beanName + "' (" + factory.getClass().getSimpleName() + ")",
        config.sharedCache().poolMaxsize());
  }

  @Override
  public String toString() {
    return "SpringDataRedisSharedCache[" + beanName + "]";
  }
}
