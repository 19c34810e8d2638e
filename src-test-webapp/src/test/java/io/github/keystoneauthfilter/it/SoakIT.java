package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Soak: the filter in this JVM under concurrent load for {@code soak.seconds} (default {@value
 * #DEFAULT_SECONDS}; e.g. {@code -Dsoak.seconds=3600} for an hour), with token churn (new tokens
 * issued all along, cache entries expiring after 3 s) while real Keystone sites (each its own copy
 * of the database, {@code scripts/keystone.sh sites}, so a paused one cannot stall the others) are
 * killed, restarted, paused and resumed in turn (never all at once), so breakers open and close
 * again and again. Asserts that no request with a valid token failed and breakers flapped; that
 * threads did not grow during the run (the most seen in its second half at most the most of its
 * first half plus 3) and connections to Keystone stayed within three per load thread plus 4 (its
 * own call, a hedge, and one abandoned to a paused site still running out its time limit); that
 * both are back at their baselines once the app is closed; and that the heap after GC at the end is
 * at most 1.5 times the mid-run figure plus 32 MiB (no gross leak).
 */
class SoakIT {
  static final int DEFAULT_SECONDS = 120;
  private static final int LOAD_THREADS = 4;
  private static final int MAX_CONNECTIONS_PER_ENDPOINT = 8;
  private static final int TOKEN_RING = 30;

  private static RealKeystone keystone;

  /** Instances the chaos thread has down (killed or paused) or is about to take down. */
  private static final AtomicIntegerArray down = new AtomicIntegerArray(4);

  @BeforeAll
  static void keystone() throws Exception {
    keystone = RealKeystone.sites();
    assertTrue(keystone.instances() >= 3, "the soak needs three Keystone sites");
  }

  @AfterAll
  static void everySiteBack() throws Exception {
    if (keystone == null) {
      return;
    }
    for (int i = 1; i <= 3; i++) {
      keystone.resume(i); // no-op unless paused
    }
    for (int i = 1; i <= 3; i++) {
      if (!accepts(i)) {
        keystone.restart(i);
      }
    }
  }

  private static Properties config() {
    Properties config = keystone.filterConfig(1, 2, 3);
    config.setProperty("token_cache_time", "3");
    config.setProperty("http_connect_timeout", "1");
    config.setProperty("http_request_timeout", "2");
    config.setProperty("http_max_connections_per_endpoint", "" + MAX_CONNECTIONS_PER_ENDPOINT);
    config.setProperty("failover_failure_threshold", "2");
    config.setProperty("failover_open_seconds", "1");
    config.setProperty("failover_max_open_seconds", "2");
    config.setProperty("failover_deadline", "8");
    return config;
  }

  @Test
  void soakWhenKeystonesFlapUnderLoadWithTokenChurnThenNoValidRequestFailsAndNothingLeaks()
      throws Exception {
    Duration length = Duration.ofSeconds(Long.getLong("soak.seconds", DEFAULT_SECONDS));
    List<String> ring = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < 10; i++) {
      ring.add(keystone.demoToken(1 + i % 3));
    }
    // Warm up once, so that what a first filter creates for good (static pools, JIT) is in the
    // baseline, not counted as a leak.
    try (Webapp warm = Webapp.start(config())) {
      assertEquals(200, warm.getWithToken("/warm", ring.get(0)).statusCode());
      warm.endpoints();
    }
    int threadsBefore = threads();
    int connectionsBefore = connectionsToKeystone();

    Stats stats = new Stats();
    ExecutorService workers = Executors.newFixedThreadPool(LOAD_THREADS + 3);
    long heapMid = -1;
    long heapEnd;
    int threadsRunning;
    int maxConnections;
    try (Webapp app = Webapp.start(config())) {
      long end = System.nanoTime() + length.toNanos();
      List<Future<?>> tasks = new ArrayList<>();
      for (int t = 0; t < LOAD_THREADS; t++) {
        tasks.add(workers.submit(() -> load(app, ring, stats, end)));
      }
      tasks.add(workers.submit(() -> churn(ring, stats, end)));
      tasks.add(workers.submit(() -> chaos(stats, end)));
      long half = System.nanoTime() + length.toNanos() / 2;
      tasks.add(workers.submit(() -> watch(app, stats, half, end)));

      Thread.sleep(length.toMillis() / 3);
      heapMid = heapAfterGc();
      for (Future<?> task : tasks) {
        task.get(length.toSeconds() + 300, TimeUnit.SECONDS); // chaos may be mid-restart
      }
      heapEnd = heapAfterGc();
      threadsRunning = threads();
      maxConnections = stats.maxConnections.intValue();
    } finally {
      workers.shutdownNow();
      workers.awaitTermination(60, TimeUnit.SECONDS);
      everySiteBack();
    }
    int threadsAfter = awaitThreadsAtMost(threadsBefore + 2, Duration.ofSeconds(15));
    int connectionsAfter = connectionsToKeystone();

    String summary =
        String.format(
            Locale.ROOT,
            "soak %d s: %d valid-token requests (%d failed), %d invalid-token requests (%d not"
                + " 401), %d tokens issued, %d chaos steps; breakers: endpoint 1 opened %d /"
                + " closed %d, endpoint 2 opened %d / closed %d; threads before %d, most in the"
                + " first half %d, in the second %d, running at the end %d, after %d; connections to Keystone before %d, max %d (bound %d), after %d;"
                + " heap after GC mid-run %d MiB, end %d MiB",
            length.toSeconds(),
            stats.valid.get(),
            stats.validFailed.get(),
            stats.invalid.get(),
            stats.invalidWrong.get(),
            stats.issued.get(),
            stats.chaosSteps.get(),
            stats.opened.get(0),
            stats.closed.get(0),
            stats.opened.get(1),
            stats.closed.get(1),
            threadsBefore,
            stats.maxThreadsFirstHalf.get(),
            stats.maxThreadsSecondHalf.get(),
            threadsRunning,
            threadsAfter,
            connectionsBefore,
            maxConnections,
            3 * LOAD_THREADS + 4,
            connectionsAfter,
            heapMid >> 20,
            heapEnd >> 20);
    System.out.println(summary);

    assertEquals(0, stats.validFailed.get(), summary + "; first failures: " + stats.failures);
    assertEquals(0, stats.invalidWrong.get(), summary);
    assertTrue(stats.valid.get() >= 100L * length.toSeconds() / 10, "load ran: " + summary);
    assertTrue(stats.issued.get() >= length.toSeconds() / 2, "tokens churned: " + summary);
    // Breakers flapped: the primary opened and closed again at least twice, the second once.
    assertTrue(stats.opened.get(0) >= 2 && stats.closed.get(0) >= 2, summary);
    assertTrue(stats.opened.get(1) >= 1 && stats.closed.get(1) >= 1, summary);
    assertTrue(threadsAfter <= threadsBefore + 2, "threads leaked: " + summary);
    // The filter's pool bound, plus the test's own token-issuing client (one per instance).
    // Per load thread: its own Keystone call, a hedge (hedging is on by default), and one call
    // abandoned to a paused site that still runs out its time limit (a call cut off closes its
    // connection); leaks show in the baseline check below.
    assertTrue(maxConnections <= 3 * LOAD_THREADS + 4, "connections to Keystone: " + summary);
    assertTrue(
        stats.maxThreadsSecondHalf.get() <= stats.maxThreadsFirstHalf.get() + 3,
        "threads grew during the run: " + summary);
    assertTrue(connectionsAfter <= connectionsBefore + 3, "connections leaked: " + summary);
    assertTrue(heapEnd <= heapMid + heapMid / 2 + (32L << 20), "heap grew: " + summary);
  }

  /** What the soak saw. */
  private static final class Stats {
    final AtomicLong valid = new AtomicLong();
    final AtomicLong validFailed = new AtomicLong();
    final AtomicLong invalid = new AtomicLong();
    final AtomicLong invalidWrong = new AtomicLong();
    final AtomicLong issued = new AtomicLong();
    final AtomicLong chaosSteps = new AtomicLong();
    final AtomicLong maxConnections = new AtomicLong();
    final AtomicLong maxThreadsFirstHalf = new AtomicLong();
    final AtomicLong maxThreadsSecondHalf = new AtomicLong();
    final AtomicIntegerArray opened = new AtomicIntegerArray(3);
    final AtomicIntegerArray closed = new AtomicIntegerArray(3);
    final List<String> failures = Collections.synchronizedList(new ArrayList<>());

    void failure(String what) {
      if (failures.size() < 10) {
        failures.add(what);
      }
    }
  }

  /** Requests with tokens from the ring, and now and then a garbage one (must be 401). */
  private static Void load(Webapp app, List<String> ring, Stats stats, long end) throws Exception {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    while (System.nanoTime() < end) {
      boolean garbage = random.nextInt(50) == 0;
      String token;
      if (garbage) {
        token = "gAAAAABsoak-garbage-" + UUID.randomUUID();
      } else {
        synchronized (ring) {
          token = ring.get(random.nextInt(ring.size()));
        }
      }
      long started = System.nanoTime();
      int status;
      try {
        status = app.getWithToken("/soak", token).statusCode();
      } catch (IOException e) {
        status = -1;
      }
      long millis = (System.nanoTime() - started) / 1_000_000;
      if (garbage) {
        stats.invalid.incrementAndGet();
        if (status != 401) {
          stats.invalidWrong.incrementAndGet();
          stats.failure("garbage token answered " + status + " after " + millis + " ms");
        }
      } else {
        stats.valid.incrementAndGet();
        if (status != 200) {
          stats.validFailed.incrementAndGet();
          stats.failure("valid token answered " + status + " after " + millis + " ms");
        }
      }
      Thread.sleep(5); // a steady load, not a CPU burner on a shared machine
    }
    return null;
  }

  /** Issues a new token about twice a second at an instance that is up; keeps the newest. */
  private static Void churn(List<String> ring, Stats stats, long end) throws Exception {
    int next = 0;
    while (System.nanoTime() < end) {
      int instance = 1 + next++ % 3;
      if (down.get(instance) == 0) {
        try {
          String token = keystone.demoToken(instance);
          stats.issued.incrementAndGet();
          synchronized (ring) {
            ring.add(token);
            if (ring.size() > TOKEN_RING) {
              ring.remove(0);
            }
          }
        } catch (IOException | IllegalStateException e) {
          // The chaos thread got there first; the ring keeps its older tokens.
        }
      }
      Thread.sleep(500);
    }
    return null;
  }

  /**
   * Kill 1, pause 2 (only 3 left), resume 2, restart 1, pause 1, resume 1, each state held 4 s;
   * again while a whole cycle still fits. Never more than two instances down, 3 never.
   */
  private static Void chaos(Stats stats, long end) throws Exception {
    String[][] steps = {
      {"kill", "1"},
      {"pause", "2"},
      {"resume", "2"},
      {"restart", "1"},
      {"pause", "1"},
      {"resume", "1"}
    };
    for (int step = 0; ; step++) {
      // Whole cycles only (about 30 s each), so the run ends with every instance up.
      if (step % steps.length == 0 && System.nanoTime() > end - Duration.ofSeconds(30).toNanos()) {
        break;
      }
      String action = steps[step % steps.length][0];
      int instance = Integer.parseInt(steps[step % steps.length][1]);
      switch (action) {
        case "kill" -> {
          down.set(instance, 1);
          keystone.kill(instance);
        }
        case "pause" -> {
          down.set(instance, 1);
          keystone.pause(instance);
        }
        case "resume" -> {
          keystone.resume(instance);
          down.set(instance, 0);
        }
        default -> {
          keystone.restart(instance);
          down.set(instance, 0);
        }
      }
      stats.chaosSteps.incrementAndGet();
      Thread.sleep(4_000);
    }
    return null;
  }

  /** Samples the breakers, the connections to Keystone and the threads every 200 ms. */
  private static Void watch(Webapp app, Stats stats, long half, long end) throws Exception {
    String[] last = {"CLOSED", "CLOSED", "CLOSED"};
    while (System.nanoTime() < end) {
      JsonNode endpoints = app.endpoints();
      for (int i = 0; i < 3; i++) {
        String state = endpoints.get(i).get("state").asText();
        if (state.equals("OPEN") && !last[i].equals("OPEN")) {
          stats.opened.incrementAndGet(i);
        }
        if (state.equals("CLOSED") && !last[i].equals("CLOSED")) {
          stats.closed.incrementAndGet(i);
        }
        last[i] = state;
      }
      stats.maxConnections.accumulateAndGet(connectionsToKeystone(), Math::max);
      (System.nanoTime() < half ? stats.maxThreadsFirstHalf : stats.maxThreadsSecondHalf)
          .accumulateAndGet(threads(), Math::max);
      Thread.sleep(200);
    }
    return null;
  }

  /**
   * Live threads, without the JDK HttpClient's and the common pool's workers (the test's own
   * clients: they idle out on their own schedule) and process reapers (the script runs).
   */
  private static int threads() {
    int count = 0;
    for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
      String name = info.getThreadName();
      if (!name.startsWith("HttpClient-")
          && !name.startsWith("ForkJoinPool")
          && !name.equals("process reaper")) {
        count++;
      }
    }
    return count;
  }

  private static int awaitThreadsAtMost(int bound, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    int count = threads();
    while (count > bound && System.nanoTime() < deadline) {
      Thread.sleep(250);
      count = threads();
    }
    return count;
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /**
   * ESTABLISHED TCP connections from this JVM's own sockets (matched by inode through
   * /proc/self/fd) to a Keystone instance's port.
   */
  static int connectionsToKeystone() throws IOException {
    Set<String> inodes = new HashSet<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path fd : fds) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException closedMeanwhile) {
          // a descriptor closed while listing
        }
      }
    }
    Set<Integer> ports = new HashSet<>();
    for (int i = 1; i <= 3; i++) {
      ports.add(keystone.port(i));
    }
    int count = 0;
    for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
      Path file = Path.of(table);
      if (!Files.isReadable(file)) {
        continue;
      }
      List<String> lines = Files.readAllLines(file);
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
        String remote = f[2];
        int port = Integer.parseInt(remote.substring(remote.indexOf(':') + 1), 16);
        if (f[3].equals("01") && ports.contains(port) && inodes.contains(f[9])) {
          count++;
        }
      }
    }
    return count;
  }

  private static boolean accepts(int instance) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", keystone.port(instance)), 1_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
