package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.metrics.EndpointStatus;
import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The revocation window across instances sharing memcached, on a real memcached and a real
 * Keystone: once Keystone has vouched for a token, no instance accepts it for longer than {@code
 * token_cache_time} after that answer, even an instance that first met the token (through
 * memcached) late in the window.
 */
class SharedCacheRevocationIT {
  private static final int PORT = 11421; // not SharedCacheIT's
  private static final Duration TTL = Duration.ofSeconds(8);

  /** Whole seconds in memcached, the time between the test's clock and the filter's, load. */
  private static final Duration MARGIN = Duration.ofSeconds(1);

  private static RealKeystone keystone;
  private static Memcached memcached;

  @BeforeAll
  static void start() throws Exception {
    keystone = RealKeystone.fromSystemProperties();
    memcached = Memcached.start(PORT);
  }

  @AfterAll
  static void stop() throws Exception {
    if (memcached != null) {
      memcached.close();
    }
  }

  private static Properties config() {
    Properties config = keystone.filterConfig(1, 2, 3);
    config.setProperty("memcached_servers", memcached.servers());
    config.setProperty("memcache_security_strategy", "MAC");
    config.setProperty("memcache_secret_key", "shared-cache-revocation-it");
    config.setProperty("token_cache_time", Long.toString(TTL.toSeconds()));
    return config;
  }

  private static long keystoneAnswers(Webapp app) {
    return app.filter().endpointStatuses().stream().mapToLong(EndpointStatus::answers).sum();
  }

  private static MetricsSnapshot.SharedCache shared(Webapp app) {
    MetricsSnapshot.SharedCache stats = app.filter().metrics().sharedCache();
    assertNotNull(stats, "the shared cache is on");
    return stats;
  }

  /** Milliseconds since {@code startNanos}. */
  private static long since(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  @Test
  @Timeout(120)
  void aRevokedToken_isRefusedEverywhere_noLaterThanTokenCacheTimeAfterTheFirstValidation()
      throws Exception {
    memcached.flush(PORT);
    String token = keystone.demoToken(1);
    try (Webapp first = Webapp.start(config());
        Webapp second = Webapp.start(config())) {
      // Each instance logs in to Keystone (its service token) on its first request: do that
      // now, with another token, so that the measured validation is only a validation.
      assertEquals(200, first.getWithToken("/warm-up", keystone.demoToken(1)).statusCode());
      assertEquals(200, second.getWithToken("/warm-up", keystone.demoToken(1)).statusCode());
      assertEquals(1, keystoneAnswers(first));
      assertEquals(1, keystoneAnswers(second));

      long firstValidation = System.nanoTime();
      assertEquals(200, first.getWithToken("/a", token).statusCode());
      long validatedIn = since(firstValidation);
      assertEquals(2, keystoneAnswers(first));
      keystone.revoke(1, token);

      // The second instance meets the token half-way through the window: a fresh
      // token_cache_time counted from now would outlast the window by half of it.
      long halfWay = firstValidation + TTL.dividedBy(2).toNanos();
      long pause = halfWay - System.nanoTime();
      if (pause > 0) {
        TimeUnit.NANOSECONDS.sleep(pause);
      }
      long askedAt = since(firstValidation);
      assertEquals(
          200,
          second.getWithToken("/b", token).statusCode(),
          "within the window (asked " + askedAt + " ms after the first validation)");
      assertEquals(1, keystoneAnswers(second), "the second instance took it from memcached");
      assertEquals(1, shared(second).hits());

      // Ask both instances until both refuse; note when each accepted request was sent.
      long lastAcceptedAt = -1;
      List<String> log = new ArrayList<>();
      log.add("first validation took " + validatedIn + " ms");
      boolean firstRefuses = false;
      boolean secondRefuses = false;
      while (!(firstRefuses && secondRefuses) && since(firstValidation) < 60_000) {
        for (Webapp app : List.of(first, second)) {
          long sentAt = since(firstValidation);
          int status = app.getWithToken("/c", token).statusCode();
          log.add((app == first ? "first" : "second") + " @" + sentAt + " ms: " + status);
          if (status == 200) {
            lastAcceptedAt = Math.max(lastAcceptedAt, sentAt);
          } else {
            assertEquals(401, status, log.toString());
            firstRefuses |= app == first;
            secondRefuses |= app == second;
          }
        }
        TimeUnit.MILLISECONDS.sleep(100); // pace the polling
      }

      assertTrue(firstRefuses && secondRefuses, "both refuse in the end: " + log);
      long bound = TTL.plus(MARGIN).toMillis();
      assertTrue(
          lastAcceptedAt <= bound,
          "the revoked token was accepted by a request sent "
              + lastAcceptedAt
              + " ms after the first validation; token_cache_time is "
              + TTL.toMillis()
              + " ms (+ "
              + MARGIN.toMillis()
              + " ms margin): "
              + log);
      assertTrue(keystoneAnswers(first) >= 3, "the first instance asked Keystone again");
      assertTrue(keystoneAnswers(second) >= 2, "the second instance asked Keystone in the end");
    }
  }
}
