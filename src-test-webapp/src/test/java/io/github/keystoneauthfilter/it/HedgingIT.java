package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.keystoneauthfilter.testing.FaultProxy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A slow, hung or partitioned primary Keystone site under concurrent load of uncached tokens, with
 * hedging (the default, adaptive) and without ({@code failover_hedge_delay=off}): three real sites
 * that share nothing at run time (site 1 the primary). Each scenario runs a healthy phase, then the
 * fault, and prints p50/p99/max and validations per request of each phase ({@code HEDGE-FIGURES}
 * lines). With hedging it asserts the issue's bounds: no failed request, fault p99 at most twice
 * the healthy p99 plus 100 ms, no request waits the full request timeout, at most 1.10 validations
 * per request when healthy. Without hedging it asserts only what is certain of today's behaviour.
 *
 * <p>The sites: {@code -Dkeystone.hedge.sites.dir} (default /tmp/kaf-hedge-sites, ports 5200-5202);
 * started here from {@code keystone.state.dir} with {@code scripts/keystone.sh sites} if they are
 * not running, and then stopped here again. The partition: a network namespace {@code kafh-p} with
 * a veth pair (10.213.0.1 here, 10.213.0.2 there) and {@code scripts/netns-relay.py}, which listens
 * in the namespace and forwards to site 1, so the filter reaches site 1 only through the veth; a
 * blackhole route in the namespace makes connections and answers vanish. Needs root; removed after
 * the test and before it (leftovers of a crashed run).
 */
@Timeout(300)
class HedgingIT {
  private static final String NETNS = "kafh-p";
  private static final String HOST_LINK = "kafh-h0";
  private static final String PEER_LINK = "kafh-p0";
  private static final String HOST_ADDR = "10.213.0.1";
  private static final String NS_ADDR = "10.213.0.2";
  private static final int RELAY_PORT = 5210;
  private static final int THREADS = 3;
  private static final int PER_PHASE = 120;
  private static final int TOKENS = 60;
  private static final long REQUEST_TIMEOUT_MS = 3_000;
  private static final Duration SLOW = Duration.ofMillis(1_500);

  private static RealKeystone sites;
  private static boolean startedSites;
  private static final List<String> tokens = new ArrayList<>();

  @BeforeAll
  static void sites() throws Exception {
    Path dir = Path.of(System.getProperty("keystone.hedge.sites.dir", "/tmp/kaf-hedge-sites"));
    if (run(60, "bash", script("keystone.sh"), "status", "-d", dir.toString()) != 0) {
      String state = System.getProperty("keystone.state.dir", "/tmp/kaf-keystone");
      String port = System.getProperty("keystone.hedge.sites.port", "5200");
      int rc =
          run(
              240,
              "bash",
              script("keystone.sh"),
              "sites",
              "-n",
              "3",
              "-p",
              port,
              "-d",
              state,
              "-o",
              dir.toString());
      assertEquals(0, rc, "keystone.sh sites failed");
      startedSites = true;
    }
    sites = RealKeystone.sites(dir);
    for (int i = 0; i < TOKENS; i++) {
      tokens.add(sites.demoToken(2 + i % 2));
    }
  }

  @AfterAll
  static void stopSites() throws Exception {
    removeNamespace();
    if (sites != null) {
      sites.resume(1); // whatever happened, site 1 is not left stopped
    }
    if (startedSites) {
      run(120, "bash", script("keystone.sh"), "stop", "-d", sites.stateDir.toString());
    }
  }

  /** What one phase measured. */
  private record Phase(
      String name, int requests, long failed, long p50, long p99, long max, double perRequest) {
    String line(String scenario, String hedging) {
      return String.format(
          Locale.ROOT,
          "HEDGE-FIGURES scenario=%s hedging=%s phase=%s requests=%d failed=%d p50=%d p99=%d"
              + " max=%d validations/request=%.2f",
          scenario,
          hedging,
          name,
          requests,
          failed,
          p50,
          p99,
          max,
          perRequest);
    }
  }

  private static Properties config(String primaryUrl, boolean hedging) {
    Properties config = sites.filterConfig(1, 2, 3);
    config.setProperty("auth_url", primaryUrl + "," + sites.url(2) + "," + sites.url(3));
    config.setProperty("token_cache_time", "-1");
    config.setProperty("http_connect_timeout", "1");
    config.setProperty("http_request_timeout", Long.toString(REQUEST_TIMEOUT_MS / 1000));
    config.setProperty("failover_deadline", "8");
    config.setProperty("failover_open_seconds", "5");
    config.setProperty("failover_max_open_seconds", "10");
    // This shared 2-core machine answers a validation in 0.1-0.5 s under the test's load, where
    // a production Keystone takes tens of milliseconds: a ceiling above that keeps the adaptive
    // delay at the fleet's real 99th percentile, so a healthy fleet is rarely hedged.
    config.setProperty("failover_hedge_delay_max", "1");
    if (!hedging) {
      config.setProperty("failover_hedge_delay", "off");
    }
    return config;
  }

  /**
   * Requests that are not measured: the filter's first logins and JIT. With hedging, more than a
   * latency window's worth (256 answers), so that the adaptive delay is the healthy fleet's 99th
   * percentile, not that of the cold start.
   */
  private static void warmUp(Webapp app, boolean hedging) throws Exception {
    Load.run(app, tokens, THREADS, hedging ? 90 : 16, Duration.ofSeconds(60));
  }

  private static Phase phase(Webapp app, String name) throws Exception {
    JsonNode before = app.metrics();
    List<Load.Result> results =
        Load.run(app, tokens, THREADS, PER_PHASE / THREADS, Duration.ofSeconds(60));
    JsonNode after = app.metrics();
    long calls = 0;
    for (int i = 0; i < after.get("endpoints").size(); i++) {
      calls +=
          after.get("endpoints").get(i).get("calls").asLong()
              - before.get("endpoints").get(i).get("calls").asLong();
    }
    long validations =
        after.get("cache").get("misses").asLong() - before.get("cache").get("misses").asLong();
    long[] millis = results.stream().mapToLong(Load.Result::millis).sorted().toArray();
    return new Phase(
        name,
        results.size(),
        Load.failed(results),
        percentile(millis, 0.50),
        percentile(millis, 0.99),
        millis.length == 0 ? 0 : millis[millis.length - 1],
        validations == 0 ? 0 : (double) calls / validations);
  }

  private static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
  }

  private static void assertBounds(String scenario, Phase healthy, Phase fault) {
    assertEquals(0, healthy.failed(), scenario + ": failed requests when healthy");
    assertEquals(0, fault.failed(), scenario + ": failed requests during the fault");
    assertTrue(
        fault.p99() <= 2 * healthy.p99() + 100,
        scenario + ": p99 " + fault.p99() + " ms during the fault, healthy " + healthy.p99());
    assertTrue(
        fault.max() < REQUEST_TIMEOUT_MS,
        scenario
            + ": a request waited "
            + fault.max()
            + " ms (request timeout "
            + REQUEST_TIMEOUT_MS
            + ")");
    assertTrue(
        healthy.perRequest() <= 1.10,
        scenario + ": " + healthy.perRequest() + " validations per request when healthy");
  }

  @Test
  void slowPrimaryIsHedgedAndDemoted() throws Exception {
    for (boolean hedging : new boolean[] {true, false}) {
      URI first = URI.create(sites.url(1));
      try (FaultProxy proxy = FaultProxy.start(first.getHost(), first.getPort());
          Webapp app =
              Webapp.start(config("http://127.0.0.1:" + proxy.port() + first.getPath(), hedging))) {
        warmUp(app, hedging);
        Phase healthy = phase(app, "healthy");
        proxy.mode(new FaultProxy.Delay(SLOW));
        Phase slow = phase(app, "fault");
        String mode = hedging ? "adaptive" : "off";
        System.out.println(healthy.line("slow", mode));
        System.out.println(slow.line("slow", mode));
        JsonNode primary = app.metrics().get("endpoints").get(0);
        System.out.println("HEDGE-ENDPOINT slow " + mode + " " + primary);
        if (hedging) {
          assertBounds("slow primary", healthy, slow);
          assertTrue(primary.get("demotions").asLong() >= 1, primary.toString());
          assertTrue(slow.perRequest() <= 1.5, "demoted: about one validation per request");
        } else {
          assertEquals(0, slow.failed());
          assertTrue(slow.p50() >= SLOW.toMillis(), "without hedging every answer is late");
        }
      }
    }
  }

  @Test
  void hungPrimaryIsHedgedAndDemoted() throws Exception {
    for (boolean hedging : new boolean[] {true, false}) {
      try (Webapp app = Webapp.start(config(sites.url(1), hedging))) {
        warmUp(app, hedging);
        Phase healthy = phase(app, "healthy");
        Phase hung;
        sites.pause(1);
        try {
          hung = phase(app, "fault");
        } finally {
          sites.resume(1);
        }
        String mode = hedging ? "adaptive" : "off";
        System.out.println(healthy.line("hung", mode));
        System.out.println(hung.line("hung", mode));
        System.out.println(
            "HEDGE-ENDPOINT hung " + mode + " " + app.metrics().get("endpoints").get(0));
        if (hedging) {
          assertBounds("hung primary", healthy, hung);
        } else {
          assertEquals(0, hung.failed());
          assertTrue(
              hung.max() >= REQUEST_TIMEOUT_MS, "without hedging a request waits the timeout");
        }
      }
    }
  }

  @Test
  void partitionedPrimaryIsHedgedDemotedAndGetsItsTrafficBackWhenItHeals() throws Exception {
    removeNamespace();
    assertFalse(
        output("ip", "-o", "addr").contains("10.213."), "10.213.0.0/16 is in use on this machine");
    Process relay = null;
    try {
      ip("netns", "add", NETNS);
      ip("link", "add", HOST_LINK, "type", "veth", "peer", "name", PEER_LINK, "netns", NETNS);
      ip("addr", "add", HOST_ADDR + "/30", "dev", HOST_LINK);
      ip("link", "set", HOST_LINK, "up");
      ip("netns", "exec", NETNS, "ip", "addr", "add", NS_ADDR + "/30", "dev", PEER_LINK);
      ip("netns", "exec", NETNS, "ip", "link", "set", PEER_LINK, "up");
      relay =
          new ProcessBuilder(
                  "python3",
                  script("netns-relay.py"),
                  NETNS,
                  NS_ADDR,
                  Integer.toString(RELAY_PORT),
                  Integer.toString(sites.port(1)))
              .redirectErrorStream(true)
              .start();
      BufferedReader out =
          new BufferedReader(new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("ready", out.readLine(), "netns-relay.py did not start");
      String primary = "http://" + NS_ADDR + ":" + RELAY_PORT + URI.create(sites.url(1)).getPath();
      for (boolean hedging : new boolean[] {true, false}) {
        String mode = hedging ? "adaptive" : "off";
        try (Webapp app = Webapp.start(config(primary, hedging))) {
          warmUp(app, hedging);
          Phase healthy = phase(app, "healthy");
          Phase partitioned;
          ip("netns", "exec", NETNS, "ip", "route", "add", "blackhole", HOST_ADDR + "/32");
          try {
            partitioned = phase(app, "fault");
          } finally {
            ip("netns", "exec", NETNS, "ip", "route", "del", "blackhole", HOST_ADDR + "/32");
          }
          System.out.println(healthy.line("partition", mode));
          System.out.println(partitioned.line("partition", mode));
          if (hedging) {
            assertBounds("partitioned primary", healthy, partitioned);
            Phase healed = healed(app);
            System.out.println(healed.line("partition", mode));
            assertEquals(0, healed.failed());
          } else {
            assertEquals(0, partitioned.failed());
            assertTrue(
                partitioned.max() >= 1_000, "without hedging a request waits the connect timeout");
          }
          System.out.println(
              "HEDGE-ENDPOINT partition " + mode + " " + app.metrics().get("endpoints").get(0));
        }
      }
    } finally {
      if (relay != null) {
        relay.destroy();
        relay.waitFor(10, TimeUnit.SECONDS);
      }
      removeNamespace();
    }
  }

  /**
   * After the partition heals: load until site 1 is back in its place (breaker closed, not demoted;
   * bounded), then a measured phase in which site 1 answers most validations.
   */
  private static Phase healed(Webapp app) throws Exception {
    for (int round = 0; round < 30; round++) {
      JsonNode first = app.endpoints().get(0);
      if (first.get("state").asText().equals("CLOSED") && !first.get("demoted").asBoolean()) {
        break;
      }
      Load.run(app, tokens, 2, 10, Duration.ofSeconds(5));
      Thread.sleep(500); // the breaker's open time and the probe interval run on the clock
    }
    JsonNode first = app.endpoints().get(0);
    assertEquals("CLOSED", first.get("state").asText(), first.toString());
    assertFalse(first.get("demoted").asBoolean(), first.toString());
    long before = first.get("answers").asLong();
    Phase healed = phase(app, "healed");
    long answered = app.endpoints().get(0).get("answers").asLong() - before;
    assertTrue(
        answered > healed.requests() / 2,
        "healed: site 1 answered " + answered + " of " + healed.requests());
    return healed;
  }

  private static String script(String name) {
    return RealKeystone.repoRoot().resolve("scripts").resolve(name).toString();
  }

  private static void ip(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    assertEquals(0, run(30, command.toArray(String[]::new)), "failed: " + command);
  }

  private static void removeNamespace() throws Exception {
    if (output("ip", "netns", "list").contains(NETNS)) {
      run(30, "ip", "netns", "del", NETNS);
    }
    if (output("ip", "-o", "link").contains(HOST_LINK + "@")) {
      run(30, "ip", "link", "del", HOST_LINK);
    }
  }

  private static int run(long seconds, String... command) throws Exception {
    Path log = Files.createTempFile("hedging-it", ".log");
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("timed out: " + String.join(" ", command));
      }
      if (process.exitValue() != 0) {
        System.out.println(String.join(" ", command) + ": " + Files.readString(log));
      }
      return process.exitValue();
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static String output(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] bytes = process.getInputStream().readAllBytes();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("timed out: " + String.join(" ", command));
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
