package io.github.keystoneauthfilter.spring;

import io.github.keystoneauthfilter.spi.SharedCacheStore;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * {@link SharedCacheStore} on a {@link RedisConnectionFactory}: each call takes a connection from
 * the factory (Lettuce: its shared connection; Jedis: one from its pool), runs {@code GET} or
 * {@code SETEX} and gives it back, on one of this store's threads, so that a Redis that is down,
 * slow or hung (connecting included) never holds the request thread longer than the filter's wait.
 * Calls beyond the threads wait in a bounded queue; a full queue fails the call at once.
 */
final class SpringDataRedisStore implements SharedCacheStore {
  /** Calls waiting for a thread, at most; more fail at once. */
  static final int QUEUE = 256;

  private static final System.Logger LOG = System.getLogger(SpringDataRedisStore.class.getName());

  private final RedisConnectionFactory factory;
  private final String description;
  private final ThreadPoolExecutor calls;

  SpringDataRedisStore(RedisConnectionFactory factory, String description, int threads) {
    this.factory = factory;
    this.description = description;
    int size = Math.max(1, threads);
    this.calls =
        new ThreadPoolExecutor(
            size,
            size,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            daemonThreads(),
            new ThreadPoolExecutor.AbortPolicy());
    this.calls.allowCoreThreadTimeOut(true);
    connectInTheBackground();
  }

  /**
   * Opens the factory's connection (Lettuce: its shared one) and sends a {@code PING} on a store
   * thread, so that the first request does not spend its wait on connecting. A failure here is only
   * logged (DEBUG): the calls that follow fail, and the filter counts and logs them.
   */
  private void connectInTheBackground() {
    call(() -> {
          try (RedisConnection redis = factory.getConnection()) {
            return redis.ping();
          }
        })
        .whenComplete(
            (pong, failure) -> {
              if (failure != null) {
                LOG.log(
                    Level.DEBUG,
                    "{0}: connecting at start failed: {1}",
                    description,
                    failure.toString());
              }
            });
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, "keystone-auth-spring-redis-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  @Override
  public CompletionStage<byte @Nullable []> get(String key) {
    byte[] name = key.getBytes(StandardCharsets.UTF_8);
    return call(
        () -> {
          try (RedisConnection redis = factory.getConnection()) {
            return redis.stringCommands().get(name);
          }
        });
  }

  @Override
  public CompletionStage<?> set(String key, byte[] value, Duration ttl) {
    byte[] name = key.getBytes(StandardCharsets.UTF_8);
    long seconds = Math.max(1, ttl.toSeconds());
    return call(
        () -> {
          try (RedisConnection redis = factory.getConnection()) {
            return redis.stringCommands().setEx(name, seconds, value);
          }
        });
  }

  /** Runs {@code call} on a store thread, unless the filter gave up on it before it started. */
  private <T> CompletableFuture<T> call(Callable<T> call) {
    CompletableFuture<T> answer = new CompletableFuture<>();
    try {
      calls.execute(
          () -> {
            if (answer.isDone()) {
              return; // cancelled while queued
            }
            try {
              answer.complete(call.call());
            } catch (Exception | Error e) {
              answer.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      answer.completeExceptionally(e);
    }
    return answer;
  }

  /** Stops the store's threads (interrupting calls in progress); the factory stays open. */
  @Override
  public void close() {
    calls.shutdownNow();
  }

  @Override
  public String toString() {
    return description;
  }
}
