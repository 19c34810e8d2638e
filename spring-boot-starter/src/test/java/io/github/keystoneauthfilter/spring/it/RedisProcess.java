package io.github.keystoneauthfilter.spring.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian's package) on 127.0.0.1:{@code port}, a child process of the
 * test (no persistence), killed (SIGKILL), hung (SIGSTOP) and resumed by its pid.
 */
final class RedisProcess implements AutoCloseable {
  private final int port;
  private final Process process;

  private RedisProcess(int port, Process process) {
    this.port = port;
    this.process = process;
  }

  static RedisProcess start(int port) throws IOException, InterruptedException {
    Path dir = Path.of("target", "redis-it", Integer.toString(port)).toAbsolutePath();
    Files.createDirectories(dir);
    List<String> command =
        List.of(
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            Integer.toString(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            dir.toString());
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
              .start();
    } catch (IOException e) {
      throw new IOException("redis-server cannot be started (apt-get install -y redis-server)", e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    for (int i = 0; i < 100; i++) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server on port " + port + " exited; see " + dir);
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return new RedisProcess(port, process);
      } catch (IOException notYet) {
        Thread.sleep(100); // polling a port that has no event to wait on; bounded to 10 s
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException("redis-server on 127.0.0.1:" + port + " did not listen");
  }

  int port() {
    return port;
  }

  /** SIGKILL, and waits until it is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("redis-server " + process.pid() + " did not die");
    }
  }

  /** SIGSTOP: connections stay open, nothing answers. */
  void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT. */
  void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  @Override
  public void close() throws IOException {
    if (process.isAlive()) {
      try {
        signal("CONT");
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while stopping redis-server " + process.pid(), e);
      }
    }
  }
}
