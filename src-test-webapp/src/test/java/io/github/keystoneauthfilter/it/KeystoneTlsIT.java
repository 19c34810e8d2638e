package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.testing.TestCertificates;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to a real Keystone: a site of {@code scripts/keystone.sh sites --tls-base-port P} answers
 * HTTPS (uWSGI {@code https-socket}) with a certificate for 127.0.0.1 from a throw-away CA. The
 * filter verifies it with {@code cafile}, refuses it when another CA is given (503, counted by the
 * site's breaker), and with {@code insecure=true} accepts it and says so at WARNING.
 */
class KeystoneTlsIT {
  private static RealKeystone keystone;
  private static int site;

  @BeforeAll
  static void site() throws Exception {
    keystone = RealKeystone.sites();
    site = 1;
    assertTrue(keystone.tlsUrl(site).startsWith("https://127.0.0.1:"), keystone.tlsUrl(site));
  }

  /** The service user, validating at site 1 over HTTPS only. */
  private static Properties overTls() {
    Properties config = keystone.filterConfig(site);
    config.setProperty("auth_url", keystone.tlsUrl(site));
    config.setProperty("token_cache_time", "-1");
    config.setProperty("failover_failure_threshold", "1");
    config.setProperty("failover_open_seconds", "60");
    return config;
  }

  @Test
  void httpsKeystoneWhenCafileIsItsCaThenConfirmed() throws Exception {
    Properties config = overTls();
    config.setProperty("cafile", keystone.tlsCafile().toString());
    try (Webapp app = Webapp.start(config)) {
      HttpResponse<String> response = app.getWithToken("/tls", keystone.demoToken(site));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("Confirmed", Webapp.seen(response, "X-Identity-Status"));
      JsonNode endpoint = app.endpoints().get(0);
      assertTrue(endpoint.get("url").asText().startsWith("https://"), endpoint.toString());
      assertEquals(1, endpoint.get("answers").asLong(), endpoint.toString());
      assertEquals(0, endpoint.get("failures").asLong(), endpoint.toString());
    }
  }

  @Test
  void httpsKeystoneWhenCafileIsAnotherCaThen503AndTheBreakerCountsIt(@TempDir Path dir)
      throws Exception {
    Properties config = overTls();
    config.setProperty("cafile", TestCertificates.create(dir).otherCa().toString());
    try (Webapp app = Webapp.start(config)) {
      HttpResponse<String> response =
          app.get(
              "/tls",
              Map.of("X-Auth-Token", keystone.demoToken(site), "Accept", "application/json"));

      assertEquals(503, response.statusCode(), response.body());
      assertTrue(response.headers().firstValue("Retry-After").isPresent());
      JsonNode endpoint = app.endpoints().get(0);
      assertEquals(1, endpoint.get("failures").asLong(), endpoint.toString());
      assertEquals(0, endpoint.get("answers").asLong(), endpoint.toString());
      assertEquals("OPEN", endpoint.get("state").asText(), endpoint.toString());
    }
  }

  @Test
  void httpsKeystoneWhenInsecureThenConfirmedAndWarningLogged() throws Exception {
    Properties config = overTls();
    config.setProperty("insecure", "true");
    Logger logger = Logger.getLogger(KeystoneAuthFilter.class.getName());
    List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
              warnings.add(record);
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(capture);
    try (Webapp app = Webapp.start(config)) {
      HttpResponse<String> response = app.getWithToken("/tls", keystone.demoToken(site));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("Confirmed", Webapp.seen(response, "X-Identity-Status"));
    } finally {
      logger.removeHandler(capture);
    }
    // The line as a log handler prints it: it must name the endpoints it concerns.
    String endpoint = config.getProperty("auth_url").split(",")[0];
    SimpleFormatter formatter = new SimpleFormatter();
    assertTrue(
        warnings.stream()
            .filter(record -> record.getLevel() == Level.WARNING)
            .map(formatter::formatMessage)
            .anyMatch(
                line ->
                    line.contains("insecure=true")
                        && line.contains("NOT verified")
                        && line.contains(stripV3(endpoint))),
        "no insecure=true WARNING naming " + endpoint + " among " + warnings.size() + " warnings");
  }

  /** The endpoint as the filter names it: without a trailing {@code /v3}. */
  private static String stripV3(String url) {
    return url.endsWith("/v3") ? url.substring(0, url.length() - 3) : url;
  }
}
