package io.github.keystoneauthfilter.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on an ephemeral 127.0.0.1 port in front of one real server (e.g. a Keystone
 * instance), that can misbehave on the way back: pass answers through, trickle them a byte at a
 * time, or hold them. Requests always go through untouched, so the server itself is never harmed:
 * the proxy is the fault. The mode applies from its next byte to every connection, open ones
 * included.
 *
 * <p>Every wait is bounded: a connection still held or trickled {@link #MAX_FAULT} after it opened
 * is closed, and {@link #close()} closes every socket at once.
 */
public final class FaultProxy implements AutoCloseable {
  /** How long after it opened a connection still held or trickled is closed. */
  public static final Duration MAX_FAULT = Duration.ofSeconds(120);

  /** What the proxy does with the server's answers. */
  public sealed interface Mode permits Pass, Trickle, Hold, Delay {}

  /** Forward answers as they come. */
  public record Pass() implements Mode {}

  /**
   * Forward answers one byte every {@code interval}, flushing each.
   *
   * @param interval the pause after each byte
   */
  public record Trickle(Duration interval) implements Mode {
    /** Checks the interval is positive. */
    public Trickle {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("interval must be positive: " + interval);
      }
    }
  }

  /** Forward nothing back (the server's answer waits in the proxy) until the mode changes. */
  public record Hold() implements Mode {}

  /**
   * Forward each answer no sooner than {@code delay} after the last request bytes that went up the
   * same connection: a server that answers {@code delay} late.
   *
   * @param delay how late
   */
  public record Delay(Duration delay) implements Mode {
    /** Checks the delay is positive. */
    public Delay {
      if (delay.isNegative() || delay.isZero()) {
        throw new IllegalArgumentException("delay must be positive: " + delay);
      }
    }
  }

  private final InetSocketAddress target;
  private final ServerSocket server;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final AtomicInteger connections = new AtomicInteger();
  private volatile Mode mode = new Pass();

  private FaultProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "fault-proxy-accept-" + port());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts a proxy to {@code host:port}; loopback only.
   *
   * @throws IllegalArgumentException if the target is not a loopback address
   */
  public static FaultProxy start(String host, int port) throws IOException {
    InetSocketAddress target = new InetSocketAddress(host, port);
    if (target.getAddress() == null || !target.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException("the fault proxy only forwards to loopback: " + host);
    }
    return new FaultProxy(target);
  }

  /** The port it listens on (127.0.0.1). */
  public int port() {
    return server.getLocalPort();
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  /** Changes what happens to answers, from now on and on open connections too. */
  public void mode(Mode mode) {
    this.mode = mode;
  }

  /** Stops listening and closes every connection. Idempotent. */
  @Override
  public void close() {
    closed.countDown();
    closeQuietly(server);
    for (Socket socket : sockets) {
      closeQuietly(socket);
    }
  }

  private void acceptLoop() {
    while (closed.getCount() > 0) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      connections.incrementAndGet();
      Socket upstream = new Socket();
      sockets.add(client);
      sockets.add(upstream);
      try {
        upstream.connect(target, 5_000);
      } catch (IOException e) {
        closeQuietly(client);
        closeQuietly(upstream);
        continue;
      }
      AtomicLong releaseAt = new AtomicLong(System.nanoTime());
      pump(client, upstream, false, releaseAt, "fault-proxy-request-" + port());
      pump(upstream, client, true, releaseAt, "fault-proxy-answer-" + port());
    }
  }

  private void pump(Socket from, Socket to, boolean answers, AtomicLong releaseAt, String name) {
    Thread thread =
        new Thread(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                copy(in, out, answers, releaseAt);
              } catch (IOException | InterruptedException e) {
                // the other side closed, or the proxy did
              } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
              }
            },
            name);
    thread.setDaemon(true);
    thread.start();
  }

  private void copy(InputStream in, OutputStream out, boolean answers, AtomicLong releaseAt)
      throws IOException, InterruptedException {
    long faultEnd = System.nanoTime() + MAX_FAULT.toNanos();
    byte[] buffer = new byte[8192];
    while (closed.getCount() > 0) {
      if (answers && mode instanceof Hold) {
        if (System.nanoTime() - faultEnd >= 0 || closed.await(20, TimeUnit.MILLISECONDS)) {
          return;
        }
        continue; // read nothing: the answer waits upstream
      }
      int n = in.read(buffer);
      if (n < 0) {
        return;
      }
      if (mode instanceof Delay delay) {
        if (!answers) {
          releaseAt.set(System.nanoTime() + delay.delay().toNanos());
        } else {
          long wait = releaseAt.get() - System.nanoTime();
          if (wait > 0 && closed.await(wait, TimeUnit.NANOSECONDS)) {
            return;
          }
        }
      }
      for (int i = 0; i < n; ) {
        if (answers && mode instanceof Trickle trickle) {
          out.write(buffer[i++]);
          out.flush();
          if (System.nanoTime() - faultEnd >= 0
              || closed.await(trickle.interval().toNanos(), TimeUnit.NANOSECONDS)) {
            return;
          }
        } else {
          out.write(buffer, i, n - i);
          out.flush();
          i = n;
        }
      }
    }
  }

  private static void closeQuietly(java.io.Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
