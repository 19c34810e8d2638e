package io.github.keystoneauthfilter.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.spi.SharedCacheStore;
import io.github.keystoneauthfilter.spi.SharedCacheStoreProvider;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStringCommands;

/**
 * {@code keystone.auth.shared-cache=spring-data-redis}: the wiring to the application's {@link
 * RedisConnectionFactory}, the start-up errors naming the properties, and the store's calls (no
 * Redis here: SpringDataRedisIT runs a real one).
 */
class SpringDataRedisSharedCacheTest {
  private final WebApplicationContextRunner configured =
      new WebApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(KeystoneAuthAutoConfiguration.class))
          .withPropertyValues(
              "keystone.auth.auth-url=http://127.0.0.1:5000/v3",
              "keystone.auth.username=svc",
              "keystone.auth.password=svc-pass",
              "keystone.auth.project-name=service");

  private final WebApplicationContextRunner optedIn =
      configured.withPropertyValues(
          "keystone.auth.shared-cache=spring-data-redis",
          "keystone.auth.memcache-security-strategy=MAC",
          "keystone.auth.memcache-secret-key=unit-test-secret");

  private static RedisConnectionFactory factory() {
    return mock(RedisConnectionFactory.class);
  }

  private static SharedCacheStoreProvider storeProvider(KeystoneAuthConfig config) {
    SharedCacheStoreProvider provider = config.sharedCache().storeProvider();
    assertThat(provider).isNotNull();
    return provider;
  }

  @Test
  void optedInThenTheSharedCacheIsOnTheApplicationsFactory() {
    RedisConnectionFactory factory = factory();
    optedIn
        .withBean("redisConnectionFactory", RedisConnectionFactory.class, () -> factory)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              KeystoneAuthConfig config = context.getBean(KeystoneAuthConfig.class);
              assertThat(storeProvider(config)).isInstanceOf(SpringDataRedisSharedCache.class);
              assertThat(config.sharedCache().servers()).isEmpty();
              assertThat(config.sharedCache().redis()).isNull();
              assertThat(config.memcacheSecurityStrategy())
                  .isEqualTo(KeystoneAuthConfig.MemcacheSecurityStrategy.MAC);
              assertThat(
                      context
                          .getBean(KeystoneAuthFilterRegistration.class)
                          .filter()
                          .settings()
                          .sharedCache()
                          .storeProvider())
                  .isSameAs(storeProvider(config));
            });
  }

  @Test
  void aFactoryWithoutThePropertyChangesNothing() {
    configured
        .withBean(
            "redisConnectionFactory",
            RedisConnectionFactory.class,
            SpringDataRedisSharedCacheTest::factory)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              KeystoneAuthConfig config = context.getBean(KeystoneAuthConfig.class);
              assertThat(config.sharedCache().storeProvider()).isNull();
              assertThat(context).doesNotHaveBean(SpringDataRedisSharedCache.class);
            });
  }

  @Test
  void optedInWithoutAFactoryBeanStopsStartUpSayingSo() {
    optedIn.run(
        context ->
            assertThat(context)
                .getFailure()
                .hasStackTraceContaining(
                    "keystone.auth.shared-cache=spring-data-redis, but the application has no"
                        + " RedisConnectionFactory bean"));
  }

  @Test
  void optedInWithTwoFactoriesAndNoPrimaryStopsStartUpNamingThem() {
    optedIn
        .withBean(
            "cacheRedis", RedisConnectionFactory.class, SpringDataRedisSharedCacheTest::factory)
        .withBean(
            "sessionRedis", RedisConnectionFactory.class, SpringDataRedisSharedCacheTest::factory)
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining(
                        "has 2 RedisConnectionFactory beans [cacheRedis, sessionRedis] and none is"
                            + " @Primary"));
  }

  @Test
  void optedInWithTwoFactoriesThenThePrimaryOne() {
    RedisConnectionFactory primary = factory();
    optedIn
        .withBean(
            "cacheRedis", RedisConnectionFactory.class, () -> primary, d -> d.setPrimary(true))
        .withBean(
            "sessionRedis", RedisConnectionFactory.class, SpringDataRedisSharedCacheTest::factory)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              SharedCacheStoreProvider provider =
                  storeProvider(context.getBean(KeystoneAuthConfig.class));
              assertThat(provider.toString()).isEqualTo("SpringDataRedisSharedCache[cacheRedis]");
            });
  }

  @Test
  void optedInWithoutSpringDataRedisOnTheClassPathStopsStartUpSayingSo() {
    optedIn
        .withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class))
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining(
                        "keystone.auth.shared-cache=spring-data-redis, but Spring Data Redis is"
                            + " not on the class path: add"
                            + " org.springframework.boot:spring-boot-starter-data-redis"));
  }

  @Test
  void withoutSpringDataRedisOnTheClassPathTheStarterStillWorks() {
    configured
        .withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).hasSingleBean(KeystoneAuthFilterRegistration.class);
            });
  }

  @Test
  void anUnknownValueStopsStartUpNamingThePropertyAndTheValue() {
    configured
        .withPropertyValues("keystone.auth.shared-cache=redis")
        .run(
            context -> {
              assertThat(context)
                  .getFailure()
                  .hasStackTraceContaining(
                      "keystone.auth.shared-cache must be spring-data-redis (the application's"
                          + " Spring Data Redis connection factory) or unset, but was 'redis'");
              FailureAnalysis analysis =
                  new KeystonePropertiesFailureAnalyzer().analyze(context.getStartupFailure());
              assertThat(analysis).isNotNull();
            });
  }

  @Test
  void optedInWithRedisUrlOrMemcachedServersStopsStartUpNamingBothProperties() {
    optedIn
        .withBean(
            "redisConnectionFactory",
            RedisConnectionFactory.class,
            SpringDataRedisSharedCacheTest::factory)
        .withPropertyValues("keystone.auth.redis-url=redis://127.0.0.1:6379")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining(
                        "keystone.auth.redis-url and keystone.auth.shared-cache are both set"));
    optedIn
        .withBean(
            "redisConnectionFactory",
            RedisConnectionFactory.class,
            SpringDataRedisSharedCacheTest::factory)
        .withPropertyValues("keystone.auth.memcached-servers=127.0.0.1:11211")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining(
                        "keystone.auth.memcached-servers and keystone.auth.shared-cache are both"
                            + " set"));
  }

  @Test
  void storeConnectsAtStartThenGetsAndSetsWithExpiryAndGivesEachConnectionBack() throws Exception {
    RedisConnectionFactory factory = factory();
    RedisConnection connection = mock(RedisConnection.class);
    RedisStringCommands strings = mock(RedisStringCommands.class);
    when(factory.getConnection()).thenReturn(connection);
    when(connection.stringCommands()).thenReturn(strings);
    byte[] key = "keystoneauthfilter/v2/k".getBytes(StandardCharsets.UTF_8);
    when(strings.get(key)).thenReturn(new byte[] {1, 2});
    when(strings.setEx(any(), any(Long.class), any())).thenReturn(true);

    SharedCacheStore store = new SpringDataRedisStore(factory, "test", 2);
    try {
      byte[] value =
          store.get("keystoneauthfilter/v2/k").toCompletableFuture().get(10, TimeUnit.SECONDS);
      store
          .set("keystoneauthfilter/v2/k", new byte[] {3}, Duration.ofSeconds(120))
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);

      assertThat(value).containsExactly(1, 2);
      verify(strings).setEx(key, 120L, new byte[] {3});
      verify(connection, timeout(10_000)).ping(); // the connection opened at start
      verify(connection, timeout(10_000).times(3)).close();
    } finally {
      store.close();
    }
  }

  @Test
  void storeOnAHungFactoryNeverHoldsTheCallerAndFailsAtOnceWhenItsQueueIsFull() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    RedisConnectionFactory factory = factory();
    when(factory.getConnection())
        .thenAnswer(
            invocation -> {
              entered.countDown();
              release.await(60, TimeUnit.SECONDS); // a Redis that never answers
              throw new IllegalStateException("released");
            });
    SpringDataRedisStore store = new SpringDataRedisStore(factory, "test", 1);
    try {
      List<CompletableFuture<byte[]>> calls = new ArrayList<>();
      // the one thread is held by the connection made at start; the queue takes QUEUE calls
      for (int i = 0; i < SpringDataRedisStore.QUEUE; i++) {
        calls.add(store.get("k" + i).toCompletableFuture());
      }
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<byte[]> beyond = store.get("one-too-many").toCompletableFuture();

      assertThat(calls).noneMatch(CompletableFuture::isDone);
      assertThat(beyond).isCompletedExceptionally();
      try {
        beyond.get();
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(RejectedExecutionException.class);
      }
    } finally {
      release.countDown();
      store.close();
    }
  }
}
