package io.github.keystoneauthfilter.spring;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.metrics.KeystoneAuthMeterBinder;
import io.github.keystoneauthfilter.spi.SharedCacheStoreProvider;
import java.util.Arrays;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * The filter from {@code keystone.auth.*}, registered once ({@link
 * KeystoneAuthFilterRegistration}), in a servlet web application with {@code
 * keystone.auth.auth-url} set; and its Micrometer meters when Micrometer is on the class path (Boot
 * binds them to every registry). Each bean gives way to one of the application's own of the same
 * type.
 */
@AutoConfiguration(
    beforeName = {
      // Boot 3.5 and Boot 4.0 names: the security chain of KeystoneSecurityAutoConfiguration must
      // be defined before Boot decides whether to add its default one.
      "org.springframework.boot.autoconfigure.security.servlet.SecurityAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration"
    })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({KeystoneAuthFilter.class, jakarta.servlet.Filter.class})
@Conditional(OnAuthUrlCondition.class)
@EnableConfigurationProperties(KeystoneAuthProperties.class)
public class KeystoneAuthAutoConfiguration {

  /** The value of {@code keystone.auth.shared-cache} that chooses the app's Spring Data Redis. */
  static final String SPRING_DATA_REDIS = "spring-data-redis";

  /** The bean name of the Spring Data Redis shared cache ({@link SpringDataRedis}). */
  static final String SPRING_DATA_REDIS_BEAN = "keystoneSpringDataRedisSharedCache";

  /**
   * The filter's configuration from the properties; with {@code
   * keystone.auth.shared-cache=spring-data-redis}, the shared token cache on the application's
   * Spring Data Redis connection factory.
   *
   * @throws IllegalArgumentException naming the property whose value is bad
   */
  @Bean
  @ConditionalOnMissingBean
  public KeystoneAuthConfig keystoneAuthConfig(
      KeystoneAuthProperties properties,
      @Qualifier(SPRING_DATA_REDIS_BEAN) ObjectProvider<SharedCacheStoreProvider> springDataRedis) {
    String choice = properties.sharedCache();
    if (choice == null) {
      return properties.toConfig();
    }
    if (!SPRING_DATA_REDIS.equalsIgnoreCase(choice)) {
      throw new InvalidKeystonePropertiesException(
          SpringDataRedisSharedCache.PROPERTY
              + " must be "
              + SPRING_DATA_REDIS
              + " (the application's Spring Data Redis connection factory) or unset, but was '"
              + choice
              + "'");
    }
    SharedCacheStoreProvider provider = springDataRedis.getIfAvailable();
    if (provider == null) {
      throw new InvalidKeystonePropertiesException(
          SpringDataRedisSharedCache.PROPERTY
              + "="
              + SPRING_DATA_REDIS
              + ", but Spring Data Redis is not on the class path: add"
              + " org.springframework.boot:spring-boot-starter-data-redis (and spring.data.redis.*),"
              + " or remove "
              + SpringDataRedisSharedCache.PROPERTY);
    }
    return properties.toConfig(provider);
  }

  /** The filter, registered once for every dispatcher type. */
  @Bean
  @ConditionalOnMissingBean
  public KeystoneAuthFilterRegistration keystoneAuthFilterRegistration(KeystoneAuthConfig config) {
    return new KeystoneAuthFilterRegistration(config);
  }

  /**
   * With Spring Data Redis on the class path and {@code
   * keystone.auth.shared-cache=spring-data-redis}: the shared token cache on the application's one
   * (or {@code @Primary}) {@link RedisConnectionFactory}. Not a silent switch: without the
   * property, a factory in the application changes nothing.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.data.redis.connection.RedisConnectionFactory")
  @ConditionalOnProperty(
      prefix = KeystoneAuthProperties.PREFIX,
      name = "shared-cache",
      havingValue = SPRING_DATA_REDIS)
  public static class SpringDataRedis {
    /**
     * The shared cache on the application's connection factory.
     *
     * @throws InvalidKeystonePropertiesException when the application has no such factory, or
     *     several and none {@code @Primary}
     */
    @Bean(SPRING_DATA_REDIS_BEAN)
    public SpringDataRedisSharedCache keystoneSpringDataRedisSharedCache(
        ObjectProvider<RedisConnectionFactory> factories, ListableBeanFactory beans) {
      String[] names = beans.getBeanNamesForType(RedisConnectionFactory.class);
      RedisConnectionFactory factory = factories.getIfUnique();
      if (factory == null) {
        throw new InvalidKeystonePropertiesException(
            SpringDataRedisSharedCache.PROPERTY
                + "="
                + SPRING_DATA_REDIS
                + (names.length == 0
                    ? ", but the application has no RedisConnectionFactory bean: add"
                        + " org.springframework.boot:spring-boot-starter-data-redis (Boot then"
                        + " makes one from spring.data.redis.*), or declare one"
                    : ", but the application has "
                        + names.length
                        + " RedisConnectionFactory beans "
                        + Arrays.toString(names)
                        + " and none is @Primary: mark the one for the shared cache @Primary"));
      }
      String name = "redisConnectionFactory";
      for (String candidate : names) {
        if (beans.getBean(candidate) == factory) {
          name = candidate;
        }
      }
      return new SpringDataRedisSharedCache(factory, name);
    }
  }

  /** The filter's meters, bound by Boot to each {@code MeterRegistry}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
  public static class Metrics {
    /** The meters of README's "Metrics" table. */
    @Bean
    @ConditionalOnMissingBean
    public KeystoneAuthMeterBinder keystoneAuthMeterBinder(
        KeystoneAuthFilterRegistration registration) {
      return new KeystoneAuthMeterBinder(registration.filter());
    }
  }
}
