package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.keystoneauthfilter.metrics.EndpointStatus;
import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code memcache_entry_format=keystonemiddleware} against OpenStack's own keystonemiddleware
 * (Debian's python3-keystonemiddleware under uWSGI, with memcached_servers) and a real memcached: a
 * token keystonemiddleware validated is served by the filter from memcached without asking
 * Keystone, and a token the filter validated is served by keystonemiddleware from memcached without
 * asking Keystone, with each {@code memcache_security_strategy}.
 *
 * <p>The filter's calls to Keystone are its own counters. keystonemiddleware's are shown by
 * revocation: the token is revoked once the entry is in memcached, so a keystonemiddleware that
 * asked Keystone would answer 401; it answers 200, and 401 once memcached is emptied.
 */
class KeystonemiddlewareSharedCacheIT {
  private static final int MEMCACHED_PORT = 5487;
  private static final Map<String, Integer> PEER_PORTS =
      Map.of("None", 5482, "MAC", 5483, "ENCRYPT", 5484);
  private static final String SECRET = "kmw-shared-cache-it-secret";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static RealKeystone keystone;
  private static Memcached memcached;

  @BeforeAll
  static void start() throws Exception {
    keystone = RealKeystone.fromSystemProperties();
    memcached = Memcached.start(MEMCACHED_PORT);
    for (Map.Entry<String, Integer> peer : PEER_PORTS.entrySet()) {
      keystone.startKeystonemiddleware(
          peer.getValue(),
          Map.of(
              "KMW_PROCESSES",
              "1",
              "KMW_MEMCACHED_SERVERS",
              memcached.servers(),
              "KMW_MEMCACHE_SECURITY_STRATEGY",
              peer.getKey(),
              "KMW_MEMCACHE_SECRET_KEY",
              SECRET));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (keystone != null) {
        keystone.stopKeystonemiddleware();
      }
    } finally {
      if (memcached != null) {
        memcached.close();
      }
    }
  }

  @BeforeEach
  void emptyMemcached() throws Exception {
    memcached.flush(MEMCACHED_PORT);
  }

  private static Properties config(String strategy) {
    Properties config = keystone.filterConfig(1);
    config.setProperty("memcached_servers", memcached.servers());
    config.setProperty("memcache_entry_format", "keystonemiddleware");
    config.setProperty("memcache_security_strategy", strategy);
    if (!strategy.equals("None")) {
      config.setProperty("memcache_secret_key", SECRET);
    }
    return config;
  }

  /** Validations Keystone answered for this filter instance. */
  private static long keystoneAnswers(Webapp app) {
    return app.filter().endpointStatuses().stream().mapToLong(EndpointStatus::answers).sum();
  }

  private static MetricsSnapshot.SharedCache shared(Webapp app) {
    MetricsSnapshot.SharedCache stats = app.filter().metrics().sharedCache();
    assertNotNull(stats, "the shared cache is on");
    return stats;
  }

  /** keystonemiddleware's answer to a request with {@code token}. */
  private static HttpResponse<String> viaKeystonemiddleware(String strategy, String token)
      throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + PEER_PORTS.get(strategy) + "/shared"))
            .header("X-Auth-Token", token)
            .timeout(Duration.ofSeconds(60))
            .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** The identity headers keystonemiddleware's app saw (name to value). */
  private static JsonNode identity(HttpResponse<String> kmw) throws Exception {
    assertEquals(200, kmw.statusCode(), "keystonemiddleware accepts the token");
    return Webapp.JSON.readTree(kmw.body()).get("headers");
  }

  private static void sameIdentity(JsonNode kmw, HttpResponse<String> ours) throws Exception {
    for (String header : List.of("X-User-Id", "X-Project-Id", "X-Roles", "X-User-Domain-Id")) {
      assertNotNull(Webapp.seen(ours, header), header);
      assertEquals(kmw.path(header).asText(null), Webapp.seen(ours, header), header);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"None", "MAC", "ENCRYPT"})
  void aTokenKeystonemiddlewareValidated_isServedByTheFilter_withoutKeystone(String strategy)
      throws Exception {
    String token = keystone.demoToken(1);
    JsonNode kmw = identity(viaKeystonemiddleware(strategy, token));
    assertEquals(1, memcached.keys(MEMCACHED_PORT).size(), "keystonemiddleware wrote its entry");
    keystone.revoke(1, token); // from now on, Keystone refuses it

    try (Webapp app = Webapp.start(config(strategy))) {
      HttpResponse<String> ours = app.getWithToken("/a", token);

      assertEquals(200, ours.statusCode());
      assertEquals(0, keystoneAnswers(app), "the filter never asked Keystone");
      assertEquals(1, shared(app).hits());
      sameIdentity(kmw, ours);
    }
    memcached.flush(MEMCACHED_PORT);
    try (Webapp app = Webapp.start(config(strategy))) {
      assertEquals(401, app.getWithToken("/a", token).statusCode(), "Keystone refuses it");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"None", "MAC", "ENCRYPT"})
  void aTokenTheFilterValidated_isServedByKeystonemiddleware_withoutKeystone(String strategy)
      throws Exception {
    String token = keystone.demoToken(1);
    HttpResponse<String> ours;
    try (Webapp app = Webapp.start(config(strategy))) {
      ours = app.getWithToken("/a", token);
      assertEquals(200, ours.statusCode());
      assertEquals(1, keystoneAnswers(app));
      assertEquals(1, shared(app).writes());
    }
    keystone.revoke(1, token); // from now on, Keystone refuses it

    HttpResponse<String> kmw = viaKeystonemiddleware(strategy, token);

    assertEquals(200, kmw.statusCode(), "served from memcached: Keystone would refuse it");
    sameIdentity(identity(kmw), ours);
    memcached.flush(MEMCACHED_PORT);
    assertEquals(401, viaKeystonemiddleware(strategy, token).statusCode(), "Keystone refuses it");
  }
}
