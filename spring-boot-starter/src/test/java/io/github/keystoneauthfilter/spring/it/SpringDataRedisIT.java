package io.github.keystoneauthfilter.spring.it;

import static io.github.keystoneauthfilter.spring.it.Http.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
import io.github.keystoneauthfilter.spring.KeystoneAuthFilterRegistration;
import io.github.keystoneauthfilter.spring.SpringDataRedisSharedCache;
import io.github.keystoneauthfilter.spring.it.app.StarterTestApp;
import io.github.keystoneauthfilter.testing.KeystoneEnv;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * {@code keystone.auth.shared-cache=spring-data-redis} in a real Spring Boot app (web, security,
 * spring-boot-starter-data-redis: Boot's Lettuce connection factory from {@code
 * spring.data.redis.*}) against a real {@code redis-server} (started here on 127.0.0.1:6400-6402,
 * stopped by pid) and the real Keystone of {@code scripts/keystone.sh}: two apps share entries
 * through their factories, and Redis killed or hung fails no request.
 */
class SpringDataRedisIT {
  private static final KeystoneEnv KEYSTONE = Http.keystone();
  private static final String SECRET = "spring-data-redis-it-secret";

  private static ConfigurableApplicationContext app(int redisPort) {
    return new SpringApplicationBuilder(StarterTestApp.class)
        .properties(
            "server.port=0",
            "server.address=127.0.0.1",
            "spring.data.redis.host=127.0.0.1",
            "spring.data.redis.port=" + redisPort,
            "keystone.auth.auth-url=" + KEYSTONE.get("KEYSTONE_URLS"),
            "keystone.auth.username=" + KEYSTONE.get("KEYSTONE_SVC_USER"),
            "keystone.auth.password=" + KEYSTONE.get("KEYSTONE_SVC_PASSWORD"),
            "keystone.auth.project-name=" + KEYSTONE.get("KEYSTONE_SVC_PROJECT"),
            "keystone.auth.shared-cache=spring-data-redis",
            "keystone.auth.memcache-security-strategy=ENCRYPT",
            "keystone.auth.memcache-secret-key=" + SECRET)
        .run();
  }

  private static int port(ConfigurableApplicationContext app) {
    return Integer.parseInt(
        Objects.requireNonNull(app.getEnvironment().getProperty("local.server.port")));
  }

  private static MetricsSnapshot metrics(ConfigurableApplicationContext app) {
    return app.getBean(KeystoneAuthFilterRegistration.class).filter().metrics();
  }

  private static MetricsSnapshot.SharedCache shared(ConfigurableApplicationContext app) {
    return Objects.requireNonNull(metrics(app).sharedCache(), "no shared cache");
  }

  /** Valid-token answers the app got from Keystone, over every endpoint. */
  private static long keystoneValid(ConfigurableApplicationContext app) {
    return metrics(app).endpoints().stream().mapToLong(MetricsSnapshot.Endpoint::valid).sum();
  }

  @Test
  void twoAppsShareEntriesThroughTheirSpringDataRedisFactories() throws Exception {
    try (RedisProcess redis = RedisProcess.start(6400);
        ConfigurableApplicationContext one = app(redis.port());
        ConfigurableApplicationContext two = app(redis.port())) {
      assertTrue(
          one.getBean(KeystoneAuthFilterRegistration.class)
                  .filter()
                  .settings()
                  .sharedCache()
                  .storeProvider()
              instanceof SpringDataRedisSharedCache);
      String token = KEYSTONE.token("DEMO");

      HttpResponse<String> first = get(port(one), "/api/member", "X-Auth-Token", token);
      HttpResponse<String> second = get(port(two), "/api/member", "X-Auth-Token", token);

      assertEquals(200, first.statusCode(), first.body());
      assertEquals(200, second.statusCode(), second.body());
      assertTrue(keystoneValid(one) >= 1, "a hedge may ask a second site too");
      assertEquals(0, keystoneValid(two), "the second app asked Keystone nothing");
      assertEquals(1, shared(two).hits());
      assertEquals(0, shared(one).storeFailures());
      assertEquals(0, shared(two).storeFailures());

      // What the first app's factory sees in Redis: one entry, its TTL set on the server,
      // encrypted (no user name in it).
      RedisConnectionFactory factory = one.getBean(RedisConnectionFactory.class);
      try (RedisConnection connection = factory.getConnection()) {
        Set<byte[]> keys =
            connection.keyCommands().keys("keystoneauthfilter/*".getBytes(StandardCharsets.UTF_8));
        assertNotNull(keys);
        assertEquals(1, keys.size());
        byte[] key = keys.iterator().next();
        Long ttl = connection.keyCommands().ttl(key);
        assertNotNull(ttl);
        assertTrue(ttl > 0 && ttl <= 300, "TTL " + ttl);
        byte[] value = connection.stringCommands().get(key);
        assertNotNull(value);
        String text = new String(value, StandardCharsets.ISO_8859_1);
        assertFalse(text.contains(KEYSTONE.get("KEYSTONE_DEMO_USER")), "stored in the clear");
      }
    }
  }

  @Test
  void redisKilledFailsNoRequest() throws Exception {
    try (RedisProcess redis = RedisProcess.start(6401);
        ConfigurableApplicationContext app = app(redis.port())) {
      HttpResponse<String> before =
          get(port(app), "/api/member", "X-Auth-Token", KEYSTONE.token("DEMO"));
      assertEquals(200, before.statusCode(), before.body());
      assertEquals(0, shared(app).storeFailures());

      redis.kill();
      long slowest = requestsWithNewTokensAllSucceed(app, 5);

      assertTrue(shared(app).storeFailures() >= 1, shared(app).toString());
      System.out.printf("Redis killed: 5 requests with new tokens, slowest %d ms%n", slowest);
    }
  }

  @Test
  void redisHungFailsNoRequest() throws Exception {
    try (RedisProcess redis = RedisProcess.start(6402);
        ConfigurableApplicationContext app = app(redis.port())) {
      HttpResponse<String> before =
          get(port(app), "/api/member", "X-Auth-Token", KEYSTONE.token("DEMO"));
      assertEquals(200, before.statusCode(), before.body());

      redis.pause();
      long slowest;
      try {
        slowest = requestsWithNewTokensAllSucceed(app, 5);
      } finally {
        redis.resume();
      }

      assertTrue(shared(app).storeFailures() >= 1, shared(app).toString());
      System.out.printf("Redis hung: 5 requests with new tokens, slowest %d ms%n", slowest);
    }
  }

  /**
   * {@code count} requests, each with a token the app has not seen (so each needs the shared
   * cache): all 200 within the test client's 30 s (Lettuce's own command timeout is 60 s). The
   * slowest one's time, for the log.
   */
  private static long requestsWithNewTokensAllSucceed(ConfigurableApplicationContext app, int count)
      throws Exception {
    long slowest = 0;
    for (int i = 0; i < count; i++) {
      String token = KEYSTONE.token("DEMO");
      long start = System.nanoTime();
      HttpResponse<String> response = get(port(app), "/api/member", "X-Auth-Token", token);
      slowest = Math.max(slowest, (System.nanoTime() - start) / 1_000_000);
      assertEquals(200, response.statusCode(), response.body());
    }
    return slowest;
  }
}
