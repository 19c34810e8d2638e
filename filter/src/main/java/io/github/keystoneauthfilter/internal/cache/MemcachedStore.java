package io.github.keystoneauthfilter.internal.cache;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.exception.MemcachedException;
import net.rubyeye.xmemcached.transcoders.CachedData;
import net.rubyeye.xmemcached.transcoders.CompressionMode;
import net.rubyeye.xmemcached.transcoders.Transcoder;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SharedStore} on one or more memcached servers, through the xmemcached client (one client
 * per server, so that each server's health is tracked on its own).
 *
 * <ul>
 *   <li>A key lives on one server, chosen by rendezvous hashing of the key and each server's {@code
 *       host:port}: every instance picks the same server whatever order it lists them in.
 *   <li>Every call waits at most {@code timeout}. A server that fails a call (timeout, refused,
 *       closed) is skipped for {@code deadRetry}, as {@link StoreHealth} says.
 * </ul>
 */
public final class MemcachedStore implements SharedStore {
  private static final System.Logger LOG = System.getLogger(MemcachedStore.class.getName());

  private final List<Server> servers;
  private final long timeoutMillis;
  private final long deadRetryNanos;
  private final LongSupplier nanoTime;
  private final LongAdder failures = new LongAdder();

  /**
   * Connects to the servers (a server that is down is skipped until it answers).
   *
   * @param addresses the servers
   * @param timeout the longest wait for one call (connect, get or set)
   * @param deadRetry how long a failed server is skipped
   * @param connectionsPerServer connections kept to each server
   */
  public MemcachedStore(
      List<InetSocketAddress> addresses,
      Duration timeout,
      Duration deadRetry,
      int connectionsPerServer) {
    this(addresses, timeout, deadRetry, connectionsPerServer, System::nanoTime);
  }

  MemcachedStore(
      List<InetSocketAddress> addresses,
      Duration timeout,
      Duration deadRetry,
      int connectionsPerServer,
      LongSupplier nanoTime) {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no memcached servers");
    }
    this.timeoutMillis = Math.max(1, timeout.toMillis());
    this.deadRetryNanos = deadRetry.toNanos();
    this.nanoTime = nanoTime;
    List<Server> built = new ArrayList<>();
    for (InetSocketAddress address : addresses) {
      built.add(new Server(address, connect(address, connectionsPerServer)));
    }
    this.servers = List.copyOf(built);
  }

  private @Nullable MemcachedClient connect(InetSocketAddress address, int connections) {
    XMemcachedClientBuilder builder = new XMemcachedClientBuilder(List.of(address));
    builder.setName("keystoneauthfilter-memcached-" + label(address));
    builder.setConnectionPoolSize(connections);
    builder.setConnectTimeout(timeoutMillis);
    builder.setOpTimeout(timeoutMillis);
    builder.setSelectorPoolSize(1);
    builder.setFailureMode(false);
    builder.setEnableHealSession(true);
    builder.setHealSessionInterval(1_000); // reconnects in the background
    try {
      return builder.build();
    } catch (IOException e) {
      LOG.log(
          Level.WARNING,
          "memcached {0} cannot be reached ({1}); the shared token cache works without it",
          label(address),
          e.getClass().getSimpleName());
      return null;
    }
  }

  @Override
  public byte @Nullable [] get(String key) {
    Server server = serverFor(key);
    MemcachedClient client = server.client;
    if (client == null || !server.admit()) {
      return null;
    }
    try {
      byte[] value = client.get(key, timeoutMillis, RAW);
      server.answered();
      return value;
    } catch (TimeoutException | MemcachedException | RuntimeException e) {
      server.failed(e);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  @Override
  public void set(String key, byte[] value, int ttlSeconds) {
    Server server = serverFor(key);
    MemcachedClient client = server.client;
    if (client == null || !server.admit()) {
      return;
    }
    try {
      client.set(key, ttlSeconds, value, RAW, timeoutMillis);
      server.answered();
    } catch (TimeoutException | MemcachedException | RuntimeException e) {
      server.failed(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public long failures() {
    return failures.sum();
  }

  /** Whether each server is being skipped now, in the configured order; for tests and metrics. */
  public List<Boolean> skipping() {
    return servers.stream().map(s -> s.client == null || s.health.skipped()).toList();
  }

  @Override
  public void close() {
    for (Server server : servers) {
      MemcachedClient client = server.client;
      if (client != null) {
        try {
          client.shutdown();
        } catch (IOException e) {
          LOG.log(Level.DEBUG, "closing the memcached client failed: {0}", e.toString());
        }
      }
    }
  }

  /** Rendezvous hashing: the server with the highest mixed hash of (server, key). */
  private Server serverFor(String key) {
    if (servers.size() == 1) {
      return servers.get(0);
    }
    long keyHash = mix(key.hashCode());
    Server best = servers.get(0);
    long bestScore = Long.MIN_VALUE;
    for (Server server : servers) {
      long score = mix(keyHash ^ server.hash);
      if (score > bestScore) {
        best = server;
        bestScore = score;
      }
    }
    return best;
  }

  /** SplitMix64's finaliser: every input bit moves every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private static String label(InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }

  /** One server: its client and whether it is skipped. */
  private final class Server {
    private final long hash;
    private final @Nullable MemcachedClient client;
    private final StoreHealth health;

    Server(InetSocketAddress address, @Nullable MemcachedClient client) {
      String label = label(address);
      this.hash = mix(label.hashCode());
      this.client = client;
      this.health =
          new StoreHealth(
              "memcached " + label, Duration.ofNanos(deadRetryNanos), nanoTime, failures);
    }

    boolean admit() {
      return health.admit();
    }

    void answered() {
      health.answered();
    }

    void failed(Exception cause) {
      health.failed(cause);
    }
  }

  private static final Transcoder<byte[]> RAW = new RawBytes();

  /** Stores and fetches bytes as they are: no serialisation, no compression. */
  private static final class RawBytes implements Transcoder<byte[]> {
    @Override
    public CachedData encode(byte[] value) {
      return new CachedData(0, value);
    }

    @Override
    public byte[] decode(CachedData data) {
      return data.getData();
    }

    @Override
    public void setPrimitiveAsString(boolean primitiveAsString) {}

    @Override
    public void setPackZeros(boolean packZeros) {}

    @Override
    public void setCompressionThreshold(int to) {}

    @Override
    public boolean isPrimitiveAsString() {
      return false;
    }

    @Override
    public boolean isPackZeros() {
      return false;
    }

    @Override
    public void setCompressionMode(CompressionMode compressionMode) {}
  }
}
