package io.github.keystoneauthfilter.redis;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian's package) on 127.0.0.1, started by the test as a child
 * process with its own port and settings (no system service, no persistence), and stopped, killed
 * (SIGKILL), hung (SIGSTOP) and resumed by its pid.
 */
final class RedisServer implements AutoCloseable {
  private final int port;
  private final List<String> arguments;
  private final Path dir;
  private Process process;

  private RedisServer(int port, List<String> arguments, Path dir) {
    this.port = port;
    this.arguments = List.copyOf(arguments);
    this.dir = dir;
  }

  /**
   * Starts a Sentinel on {@code port} watching the master {@code master} on 127.0.0.1:{@code
   * masterPort} (a quorum of 1).
   */
  static RedisServer sentinel(int port, String master, int masterPort)
      throws IOException, InterruptedException {
    Path dir = Path.of("target", "redis-it", Integer.toString(port)).toAbsolutePath();
    Files.createDirectories(dir);
    Path config = dir.resolve("sentinel.conf");
    Files.writeString(
        config,
        String.join(
            "\n",
            "port " + port,
            "bind 127.0.0.1",
            "dir " + dir,
            "sentinel monitor " + master + " 127.0.0.1 " + masterPort + " 1",
            ""));
    RedisServer server = new RedisServer(port, List.of(config.toString(), "--sentinel"), dir);
    server.launch();
    return server;
  }

  /**
   * Starts {@code redis-server} listening on {@code port} (plain, or TLS when the arguments say
   * {@code --port 0 --tls-port ...}), with these extra arguments.
   */
  static RedisServer start(int port, String... extra) throws IOException, InterruptedException {
    Path dir = Path.of("target", "redis-it", Integer.toString(port)).toAbsolutePath();
    Files.createDirectories(dir);
    Files.deleteIfExists(dir.resolve("nodes.conf")); // a cluster node's state from a previous run
    List<String> arguments = new ArrayList<>();
    arguments.addAll(
        List.of(
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
    arguments.addAll(List.of(extra));
    if (!arguments.contains("--port")) {
      arguments.addAll(List.of("--port", Integer.toString(port)));
    }
    RedisServer server = new RedisServer(port, arguments, dir);
    server.launch();
    return server;
  }

  private void launch() throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("redis-server"));
    command.addAll(arguments);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()));
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IOException(
          "redis-server cannot be started (Debian: apt-get install -y redis-server)", e);
    }
    Process started = process;
    Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
    for (int i = 0; i < 100; i++) {
      if (!started.isAlive()) {
        throw new IllegalStateException(
            "redis-server on port " + port + " exited; see " + dir.resolve("redis.log"));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(100); // polling a port that has no event to wait on; bounded to 10 s
      }
    }
    throw new IllegalStateException("redis-server on 127.0.0.1:" + port + " did not listen");
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  /** SIGKILL: a crashed server. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("redis-server " + pid() + " did not die");
    }
  }

  /** Starts a killed server again, with the same settings (and no data). */
  void restart() throws IOException, InterruptedException {
    launch();
  }

  /** SIGSTOP: a hung server; connections stay open, nothing answers. */
  void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT. */
  void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " " + pid() + " failed");
    }
  }

  @Override
  public void close() throws IOException {
    if (process != null && process.isAlive()) {
      try {
        signal("CONT");
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while stopping redis-server " + pid(), e);
      }
    }
  }
}
