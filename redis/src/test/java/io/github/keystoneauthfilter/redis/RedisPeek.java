package io.github.keystoneauthfilter.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.List;

/** A plain Lettuce client to look inside a test Redis as an operator (or an attacker) would. */
final class RedisPeek implements AutoCloseable {
  private final RedisClient client;
  private final StatefulRedisConnection<String, byte[]> connection;

  RedisPeek(String url) {
    RedisURI uri = RedisURI.create(url);
    uri.setTimeout(Duration.ofSeconds(10));
    client = RedisClient.create(uri);
    connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
  }

  private RedisCommands<String, byte[]> redis() {
    return connection.sync();
  }

  List<String> keys() {
    return redis().keys("*");
  }

  byte[] get(String key) {
    return redis().get(key);
  }

  void set(String key, byte[] value, long ttlSeconds) {
    redis().set(key, value, SetArgs.Builder.ex(ttlSeconds));
  }

  long ttl(String key) {
    return redis().ttl(key);
  }

  void flush() {
    redis().flushall();
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
