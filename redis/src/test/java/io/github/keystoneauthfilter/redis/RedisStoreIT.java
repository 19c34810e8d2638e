package io.github.keystoneauthfilter.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.config.RedisSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Redis store itself against a real redis-server (started here by pid on 6399). */
class RedisStoreIT {
  private static final int PORT = 6399;
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static RedisStore store(String url) {
    return RedisStore.open(new RedisSettings(url, null), TIMEOUT);
  }

  @Test
  void aRedisDownAtStart_failsCalls_notTheStart_andIsUsedOnceUp() throws Exception {
    byte[] value = "sealed entry".getBytes(StandardCharsets.UTF_8);
    try (RedisStore store = store("redis://127.0.0.1:" + PORT)) {
      ExecutionException down =
          assertThrows(ExecutionException.class, () -> await(store.get("k")), "nothing listens");
      assertFalse(down.getCause() instanceof java.util.concurrent.TimeoutException);
      try (RedisServer server = RedisServer.start(PORT);
          RedisPeek peek = new RedisPeek("redis://127.0.0.1:" + server.port())) {
        // The failed connect is not kept: the next call connects.
        await(store.set("k", value, Duration.ofSeconds(42)));
        assertArrayEquals(value, await(store.get("k")));
        assertNull(await(store.get("absent")));
        long ttl = peek.ttl("k");
        assertTrue(ttl > 30 && ttl <= 42, "the TTL is set on Redis: " + ttl);
      }
    }
  }

  @Test
  void afterClose_callsFail() throws Exception {
    RedisStore store = store("redis://127.0.0.1:" + PORT);
    store.close();
    assertThrows(ExecutionException.class, () -> await(store.get("k")));
  }

  @Test
  void aCafileThatHoldsNoCertificate_failsNamingRedisCafile(@TempDir Path dir) throws Exception {
    Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RedisStore.open(
                    new RedisSettings("rediss://app:s3cret@127.0.0.1:" + PORT, notPem), TIMEOUT));
    assertTrue(e.getMessage().startsWith("redis_cafile '" + notPem + "'"), e.getMessage());
    assertFalse(e.getMessage().contains("s3cret"));
  }
}
