package io.github.keystoneauthfilter.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real memcached servers on 127.0.0.1, started and stopped by pid through the project's {@code
 * scripts/memcached.sh}, and a tiny text-protocol client to look inside them as an operator (or an
 * attacker with network access to memcached) would.
 */
final class Memcached implements AutoCloseable {
  private final Path repoRoot;
  private final Path stateDir;
  private final int[] ports;

  private Memcached(Path repoRoot, Path stateDir, int[] ports) {
    this.repoRoot = repoRoot;
    this.stateDir = stateDir;
    this.ports = ports.clone();
  }

  /** Starts one memcached per port (state under {@code target/}). */
  static Memcached start(int... ports) throws IOException, InterruptedException {
    Path root = RealKeystone.repoRoot();
    Path state = Path.of("target", "memcached-it").toAbsolutePath();
    Memcached memcached = new Memcached(root, state, ports);
    for (int port : ports) {
      memcached.script("start", port);
    }
    return memcached;
  }

  /** {@code memcached_servers} for these servers. */
  String servers() {
    List<String> servers = new ArrayList<>();
    for (int port : ports) {
      servers.add("127.0.0.1:" + port);
    }
    return String.join(",", servers);
  }

  void kill(int port) throws IOException, InterruptedException {
    script("kill", port);
  }

  void pause(int port) throws IOException, InterruptedException {
    script("pause", port);
  }

  void resume(int port) throws IOException, InterruptedException {
    script("resume", port);
  }

  /** Starts a killed server again. */
  void restart(int port) throws IOException, InterruptedException {
    script("start", port);
  }

  /** Empties a server. */
  void flush(int port) throws IOException {
    String answer = command(port, "flush_all\r\n".getBytes(StandardCharsets.US_ASCII), "OK\r\n");
    if (!answer.equals("OK\r\n")) {
      throw new IllegalStateException("flush_all answered " + answer.strip());
    }
  }

  /** Every key the server holds ({@code lru_crawler metadump all}). */
  List<String> keys(int port) throws IOException {
    String dump =
        command(
            port, "lru_crawler metadump all\r\n".getBytes(StandardCharsets.US_ASCII), "END\r\n");
    List<String> keys = new ArrayList<>();
    for (String line : dump.split("\r?\n")) {
      if (line.startsWith("key=")) {
        String encoded =
            line.substring(4, line.indexOf(' ') < 0 ? line.length() : line.indexOf(' '));
        keys.add(URLDecoder.decode(encoded, StandardCharsets.UTF_8));
      }
    }
    return keys;
  }

  /** The value under {@code key}, or null. */
  byte[] get(int port, String key) throws IOException {
    try (Socket socket = connect(port)) {
      OutputStream out = socket.getOutputStream();
      out.write(("get " + key + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String header = line(in);
      if (header.equals("END")) {
        return null;
      }
      String[] parts = header.split(" ");
      if (!parts[0].equals("VALUE")) {
        throw new IllegalStateException("get answered " + parts[0]);
      }
      byte[] value = in.readNBytes(Integer.parseInt(parts[3]));
      line(in); // the CRLF after the data
      line(in); // END
      return value;
    }
  }

  /** Overwrites {@code key} (flags 0, as the filter writes). */
  void set(int port, String key, byte[] value, int ttlSeconds) throws IOException {
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.writeBytes(
        ("set " + key + " 0 " + ttlSeconds + " " + value.length + "\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    request.writeBytes(value);
    request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    String answer = command(port, request.toByteArray(), "\r\n");
    if (!answer.equals("STORED\r\n")) {
      throw new IllegalStateException("set answered " + answer.strip());
    }
  }

  @Override
  public void close() throws IOException {
    try {
      for (int port : ports) {
        script("stop", port);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping memcached", e);
    }
  }

  private static Socket connect(int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
    socket.setSoTimeout(5_000);
    return socket;
  }

  /** Sends a request and reads until the answer ends with {@code end}. */
  private static String command(int port, byte[] request, String end) throws IOException {
    try (Socket socket = connect(port)) {
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      while (!answer.toString(StandardCharsets.ISO_8859_1).endsWith(end)) {
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        answer.write(buffer, 0, n);
      }
      return answer.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int previous = -1;
    for (int c = in.read(); c >= 0; c = in.read()) {
      if (previous == '\r' && c == '\n') {
        byte[] bytes = line.toByteArray();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
      }
      line.write(c);
      previous = c;
    }
    throw new IOException("memcached closed the connection");
  }

  private void script(String command, int port) throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(
                "bash",
                repoRoot.resolve("scripts/memcached.sh").toString(),
                command,
                Integer.toString(port))
            .inheritIO();
    builder.environment().put("MEMCACHED_STATE_DIR", stateDir.toString());
    Process process = builder.start();
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("timed out: memcached.sh " + command + " " + port);
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException("memcached.sh " + command + " " + port + " failed");
    }
  }
}
