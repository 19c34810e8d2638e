package io.github.keystoneauthfilter.redis;

import io.github.keystoneauthfilter.config.RedisSettings;
import io.github.keystoneauthfilter.spi.SharedCacheStore;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisStringAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SharedCacheStore} on Redis or Valkey through one Lettuce connection (thread-safe,
 * pipelined), standalone or via Sentinel ({@link RedisClient}) or a cluster ({@link
 * RedisClusterClient}). Keys are strings, values bytes; {@code SET key value EX ttl}.
 *
 * <ul>
 *   <li>Starts connecting when made, in the background: a Redis that is down at start fails calls
 *       until it answers. After a failed connect, the next call starts another (the filter calls
 *       again only after {@code memcache_pool_dead_retry}).
 *   <li>Once connected, Lettuce reconnects by itself; while it is disconnected, commands fail at
 *       once instead of queueing (in a cluster they wait in a bounded queue), and every command
 *       times out after {@code timeout} (a hung Redis holds no command for longer).
 * </ul>
 */
final class RedisStore implements SharedCacheStore {
  private static final System.Logger LOG = System.getLogger(RedisStore.class.getName());
  private static final RedisCodec<String, byte[]> CODEC =
      RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  /** Commands waiting for their answers, per connection: a bound, not a working size. */
  private static final int REQUEST_QUEUE_SIZE = 10_000;

  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final Supplier<CompletableFuture<? extends StatefulConnection<String, byte[]>>> connector;
  private final Object lock = new Object();
  private volatile @Nullable CompletableFuture<RedisStringAsyncCommands<String, byte[]>> connection;
  private volatile boolean closed;

  private RedisStore(
      ClientResources resources,
      AbstractRedisClient client,
      Supplier<CompletableFuture<? extends StatefulConnection<String, byte[]>>> connector) {
    this.resources = resources;
    this.client = client;
    this.connector = connector;
  }

  /**
   * A store for {@code settings}, connecting in the background.
   *
   * @throws IllegalArgumentException naming {@code redis_url} (password masked) or {@code
   *     redis_cafile} when Lettuce cannot use them
   */
  static RedisStore open(RedisSettings settings, Duration timeout) {
    String url = settings.url();
    String scheme = url.substring(0, url.indexOf("://")).toLowerCase(Locale.ROOT);
    boolean cluster = scheme.endsWith("-cluster");
    List<RedisURI> uris = new ArrayList<>();
    try {
      if (cluster) {
        // redis-cluster://[user:password@]h1:p1,h2:p2: one redis:// URI per seed node.
        String plainScheme = scheme.substring(0, scheme.length() - "-cluster".length());
        String rest = url.substring(url.indexOf("://") + 3);
        int at = rest.lastIndexOf('@');
        String credentials = at < 0 ? "" : rest.substring(0, at + 1);
        for (String node : rest.substring(at + 1).split(",", -1)) {
          uris.add(RedisURI.create(plainScheme + "://" + credentials + node));
        }
      } else {
        uris.add(RedisURI.create(url));
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "redis_url '"
              + settings.safeUrl()
              + "' cannot be used: "
              + e.getClass().getSimpleName()
              + " (special characters in a user or password must be percent-encoded)",
          e);
    }
    for (RedisURI uri : uris) {
      uri.setTimeout(timeout);
    }
    SocketOptions socket =
        SocketOptions.builder().connectTimeout(timeout).keepAlive(true).tcpNoDelay(true).build();
    TimeoutOptions timeouts = TimeoutOptions.enabled(timeout);
    SslOptions ssl = sslOptions(settings.cafile());
    ClientResources resources =
        DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
    try {
      if (cluster) {
        RedisClusterClient clusterClient = RedisClusterClient.create(resources, uris);
        clusterClient.setOptions(
            ClusterClientOptions.builder()
                .autoReconnect(true)
                // Not REJECT_COMMANDS: the cluster connection rejects the commands sent while it
                // opens its node connections. Commands for a node being reconnected wait in the
                // (bounded) queue and time out after the timeout.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                .requestQueueSize(REQUEST_QUEUE_SIZE)
                .socketOptions(socket)
                .timeoutOptions(timeouts)
                .sslOptions(ssl)
                .topologyRefreshOptions(
                    ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(Duration.ofMinutes(1))
                        .build())
                .build());
        return new RedisStore(
                resources,
                clusterClient,
                // The slots map first: connectAsync needs it, and it is reloaded on every retry.
                () ->
                    clusterClient
                        .refreshPartitionsAsync()
                        .thenCompose(loaded -> clusterClient.connectAsync(CODEC))
                        .toCompletableFuture())
            .connecting();
      }
      RedisClient redisClient = RedisClient.create(resources);
      redisClient.setOptions(
          ClientOptions.builder()
              .autoReconnect(true)
              .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
              .requestQueueSize(REQUEST_QUEUE_SIZE)
              .socketOptions(socket)
              .timeoutOptions(timeouts)
              .sslOptions(ssl)
              .build());
      RedisURI uri = uris.get(0);
      return new RedisStore(
              resources,
              redisClient,
              () -> redisClient.connectAsync(CODEC, uri).toCompletableFuture())
          .connecting();
    } catch (RuntimeException e) {
      resources.shutdown(0, 2, TimeUnit.SECONDS);
      throw e;
    }
  }

  private static SslOptions sslOptions(@Nullable Path cafile) {
    SslOptions.Builder builder = SslOptions.builder().jdkSslProvider();
    if (cafile != null) {
      // Lettuce reads the file only when it connects: check it now, so a bad file stops the
      // start instead of failing every connection.
      try (InputStream in = Files.newInputStream(cafile)) {
        if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
          throw new CertificateException("no certificate");
        }
      } catch (IOException | CertificateException | RuntimeException e) {
        throw new IllegalArgumentException(
            "redis_cafile '"
                + cafile
                + "' cannot be read as PEM CA certificates ("
                + e.getClass().getSimpleName()
                + ")",
            e);
      }
      builder.trustManager(cafile.toFile());
    }
    return builder.build();
  }

  /** Starts connecting now, so that the first call does not wait for it; returns this. */
  private RedisStore connecting() {
    commands();
    return this;
  }

  /**
   * The commands of the current connection: the one being made or made, or a new attempt when the
   * last one failed.
   */
  private CompletableFuture<RedisStringAsyncCommands<String, byte[]>> commands() {
    CompletableFuture<RedisStringAsyncCommands<String, byte[]>> current = connection;
    if (current != null && !current.isCompletedExceptionally()) {
      return current;
    }
    synchronized (lock) {
      current = connection;
      if (current != null && !current.isCompletedExceptionally()) {
        return current;
      }
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("closed"));
      }
      CompletableFuture<RedisStringAsyncCommands<String, byte[]>> next;
      try {
        next = connector.get().thenApply(RedisStore::asyncCommands);
      } catch (RuntimeException e) {
        next = CompletableFuture.failedFuture(e);
      }
      connection = next;
      return next;
    }
  }

  @SuppressWarnings("unchecked")
  private static RedisStringAsyncCommands<String, byte[]> asyncCommands(
      StatefulConnection<String, byte[]> connected) {
    if (connected instanceof StatefulRedisClusterConnection<?, ?> cluster) {
      return ((StatefulRedisClusterConnection<String, byte[]>) cluster).async();
    }
    return ((StatefulRedisConnection<String, byte[]>) connected).async();
  }

  @Override
  public CompletionStage<byte @Nullable []> get(String key) {
    return commands().thenCompose(redis -> redis.get(key));
  }

  @Override
  public CompletionStage<?> set(String key, byte[] value, Duration ttl) {
    return commands().thenCompose(redis -> redis.set(key, value, SetArgs.Builder.ex(ttl)));
  }

  @Override
  public void close() {
    CompletableFuture<RedisStringAsyncCommands<String, byte[]>> current;
    synchronized (lock) {
      closed = true;
      current = connection;
    }
    try {
      if (current != null) {
        current.cancel(false);
      }
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, "closing the Redis client failed: {0}", e.toString());
    } finally {
      resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }
}
