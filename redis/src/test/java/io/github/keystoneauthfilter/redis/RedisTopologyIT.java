package io.github.keystoneauthfilter.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.KeystoneTokenValidator;
import io.github.keystoneauthfilter.ValidationOutcome;
import io.github.keystoneauthfilter.metrics.EndpointStatus;
import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
import io.github.keystoneauthfilter.testing.KeystoneEnv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Sentinel and Cluster forms of {@code redis_url} against real redis-server processes (started
 * here by pid, one test after the other on the same ports): instances share entries through them.
 */
class RedisTopologyIT {
  private static final int FIRST = 6393;
  private static final int SECOND = 6394;
  private static final int THIRD = 6395;

  private static KeystoneEnv keystone;

  @BeforeAll
  static void keystone() throws Exception {
    keystone = KeystoneEnv.fromSystemProperties();
  }

  private static Map<String, String> config(String url) {
    Map<String, String> config = new HashMap<>();
    config.put("auth_url", keystone.url(1));
    config.put("username", keystone.get("KEYSTONE_SVC_USER"));
    config.put("password", keystone.get("KEYSTONE_SVC_PASSWORD"));
    config.put("project_name", keystone.get("KEYSTONE_SVC_PROJECT"));
    config.put("redis_url", url);
    config.put("memcache_security_strategy", "MAC");
    config.put("memcache_secret_key", "topology-it-secret");
    // Generous: the first call may wait for the topology (Sentinel's answer, cluster slots).
    config.put("memcache_pool_socket_timeout", "10");
    return config;
  }

  private static KeystoneTokenValidator validator(String url) {
    return KeystoneTokenValidator.create(KeystoneAuthConfig.fromOptions(config(url)).build());
  }

  private static MetricsSnapshot.SharedCache shared(KeystoneTokenValidator instance) {
    MetricsSnapshot.SharedCache stats = instance.metrics().sharedCache();
    assertNotNull(stats);
    return stats;
  }

  /** Validates {@code tokens} on a first instance, then on a second: all served from Redis. */
  private static void assertShared(String url, List<String> tokens) {
    try (KeystoneTokenValidator first = validator(url);
        KeystoneTokenValidator second = validator(url)) {
      for (String token : tokens) {
        assertInstanceOf(ValidationOutcome.Confirmed.class, first.validate(token, null));
      }
      assertEquals(tokens.size(), shared(first).writes());
      assertEquals(0, shared(first).storeFailures());
      for (String token : tokens) {
        assertInstanceOf(ValidationOutcome.Confirmed.class, second.validate(token, null));
      }
      assertEquals(tokens.size(), shared(second).hits());
      assertEquals(0, second.endpointStatuses().stream().mapToLong(EndpointStatus::answers).sum());
    }
  }

  private static List<String> tokens(int count) throws Exception {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      tokens.add(keystone.token("DEMO"));
    }
    return tokens;
  }

  @Test
  void sentinel_findsTheMaster_andInstancesShareEntries() throws Exception {
    try (RedisServer master = RedisServer.start(FIRST);
        RedisServer sentinel = RedisServer.sentinel(SECOND, "kafmaster", master.port());
        RedisPeek peek = new RedisPeek("redis://127.0.0.1:" + master.port())) {
      assertShared("redis-sentinel://127.0.0.1:" + sentinel.port() + "#kafmaster", tokens(3));
      assertEquals(3, peek.keys().size(), "the entries are on the master");
    }
  }

  @Test
  void cluster_spreadsEntriesOverItsNodes_andInstancesShareThem() throws Exception {
    List<RedisServer> nodes = new ArrayList<>();
    try {
      int bus = 6396;
      for (int port : new int[] {FIRST, SECOND, THIRD}) {
        nodes.add(
            RedisServer.start(
                port,
                "--cluster-enabled",
                "yes",
                "--cluster-port",
                Integer.toString(bus++),
                "--cluster-node-timeout",
                "5000"));
      }
      run(
          "redis-cli",
          "--cluster",
          "create",
          "127.0.0.1:" + FIRST,
          "127.0.0.1:" + SECOND,
          "127.0.0.1:" + THIRD,
          "--cluster-replicas",
          "0",
          "--cluster-yes");
      for (int port : new int[] {FIRST, SECOND, THIRD}) {
        awaitClusterOk(port);
      }
      assertShared("redis-cluster://127.0.0.1:" + FIRST + ",127.0.0.1:" + SECOND, tokens(12));
      int nodesHoldingEntries = 0;
      for (int port : new int[] {FIRST, SECOND, THIRD}) {
        if (!run("redis-cli", "-p", Integer.toString(port), "dbsize").strip().equals("0")) {
          nodesHoldingEntries++;
        }
      }
      assertTrue(nodesHoldingEntries >= 2, "12 entries on " + nodesHoldingEntries + " node(s)");
    } finally {
      for (RedisServer node : nodes) {
        node.close();
      }
    }
  }

  /** Waits (30 s at most) until the node says {@code cluster_state:ok}. */
  private static void awaitClusterOk(int port) throws Exception {
    for (int i = 0; i < 300; i++) {
      if (run("redis-cli", "-p", Integer.toString(port), "cluster", "info")
          .contains("cluster_state:ok")) {
        return;
      }
      Thread.sleep(100); // polling a state that has no event to wait on; bounded
    }
    throw new IllegalStateException("the cluster node on " + port + " did not become ok");
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
    }
    return output;
  }
}
