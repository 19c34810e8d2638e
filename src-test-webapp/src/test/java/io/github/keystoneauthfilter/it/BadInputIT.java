package io.github.keystoneauthfilter.it;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.keystoneauthfilter.IdentityHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad client input against the test webapp and a real Keystone (issue #7, item 1): oversized tokens
 * never reach Keystone (Jetty's default answers 431 itself; with a raised header size the filter
 * answers 401), and forged identity headers in every letter case, sent twice, never reach the echo
 * app, also with delay_auth_decision.
 */
class BadInputIT {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final int KIB = 1024;
  private static final int MIB = 1024 * 1024;
  private static final String FORGED = "FORGED";

  private static RealKeystone keystone;
  private Webapp app;

  @BeforeAll
  static void keystone() throws Exception {
    keystone = RealKeystone.fromSystemProperties();
  }

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
  }

  private void start(boolean delay) throws Exception {
    Properties config = keystone.filterConfig(1);
    if (delay) {
      config.setProperty("delay_auth_decision", "true");
    }
    app = Webapp.start(config);
  }

  /** Validations this filter sent to Keystone (answered or failed), summed over endpoints. */
  private long asked() throws Exception {
    long total = 0;
    for (JsonNode endpoint : app.endpoints()) {
      total += endpoint.get("answers").asLong() + endpoint.get("failures").asLong();
    }
    return total;
  }

  /**
   * Sends one raw request with this X-Auth-Token and returns the status (-1: closed, no answer).
   */
  private int rawStatus(String token) throws IOException {
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.writeBytes(
        ("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Auth-Token: ")
            .getBytes(ISO_8859_1));
    request.writeBytes(token.getBytes(ISO_8859_1));
    request.writeBytes("\r\n\r\n".getBytes(ISO_8859_1));
    try (Socket socket = new Socket("127.0.0.1", app.base().getPort())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request.toByteArray());
        out.flush();
      } catch (IOException closedEarly) {
        // The server may answer and close before reading everything: read what it said.
      }
      String head;
      try {
        head = new String(socket.getInputStream().readNBytes(12), ISO_8859_1);
      } catch (IOException reset) {
        return -1;
      }
      return head.startsWith("HTTP/1.1 ") ? Integer.parseInt(head.substring(9, 12)) : -1;
    }
  }

  @Test
  void requestWhenTokenIs64KibOr1MibWithJettyDefaultsThen431AndKeystoneNotAsked() throws Exception {
    start(false);
    long before = asked();

    assertEquals(431, rawStatus("g".repeat(64 * KIB)));
    assertEquals(431, rawStatus("g".repeat(MIB)));

    assertEquals(before, asked());
  }

  @Test
  void requestWhenTokenIs64KibOr1MibWithRaisedHeaderSizeThen401AndKeystoneNotAsked()
      throws Exception {
    start(false);
    app.requestHeaderSize(4 * MIB);
    long before = asked();

    assertEquals(401, rawStatus("g".repeat(64 * KIB)));
    assertEquals(401, rawStatus("g".repeat(MIB)));
    assertEquals(401, rawStatus("g".repeat(8193)));

    assertEquals(before, asked());
  }

  @Test
  void requestWhenTokenJustUnderTheFiltersMaximumThenKeystoneSays401() throws Exception {
    start(false);
    app.requestHeaderSize(64 * KIB);
    long before = asked();

    assertEquals(401, rawStatus("g".repeat(8192)));

    assertEquals(before + 1, asked(), "asked once; Keystone answered (no failure)");
    assertEquals("CLOSED", app.endpoints().get(0).get("state").asText());
  }

  /** Every strippable name in four spellings, each twice, then {@code extra} name/value pairs. */
  private HttpResponse<String> getWithForgedHeaders(String... extra) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(app.base().resolve("/hello")).timeout(Duration.ofSeconds(60));
    for (String name : IdentityHeaders.STRIPPED) {
      StringBuilder mixed = new StringBuilder();
      for (int i = 0; i < name.length(); i++) {
        char c = name.charAt(i);
        mixed.append(i % 2 == 0 ? Character.toLowerCase(c) : Character.toUpperCase(c));
      }
      for (String spelling :
          List.of(
              name,
              name.toLowerCase(Locale.ROOT),
              name.toUpperCase(Locale.ROOT),
              mixed.toString())) {
        request.header(spelling, FORGED + "-1").header(spelling, FORGED + "-2");
      }
    }
    for (int i = 0; i < extra.length; i += 2) {
      request.header(extra[i], extra[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The echo app saw no forged value, and each identity header at most once. */
  private static List<String> identityHeadersSeen(HttpResponse<String> response)
      throws IOException {
    JsonNode headers = Webapp.echoedHeaders(response);
    List<String> seen = new ArrayList<>();
    for (Iterator<String> names = headers.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      for (JsonNode value : headers.get(name)) {
        assertFalse(value.asText().contains(FORGED), "a forged value reached the app in " + name);
      }
      if (IdentityHeaders.isStripped(name)) {
        assertEquals(1, headers.get(name).size(), name + " seen more than once");
        seen.add(name.toLowerCase(Locale.ROOT));
      }
    }
    return seen;
  }

  @Test
  void requestWhenRealTokenAndEveryIdentityHeaderForgedThenAppSeesOnlyKeystonesValues()
      throws Exception {
    start(false);

    HttpResponse<String> response =
        getWithForgedHeaders("X-Auth-Token", keystone.demoToken(1), "X-Foo", "kept");

    assertEquals(200, response.statusCode());
    List<String> seen = identityHeadersSeen(response);
    assertTrue(seen.contains("x-user-id"));
    assertEquals("Confirmed", Webapp.seen(response, "X-Identity-Status"));
    assertEquals("demo", Webapp.seen(response, "X-User-Name"));
    assertNull(Webapp.seen(response, "OpenStack-System-Scope"));
    assertNull(Webapp.seen(response, "X-Service-Identity-Status"));
    assertNull(Webapp.seen(response, "X-Service-Roles"));
    assertEquals("kept", Webapp.seen(response, "X-Foo"));
  }

  @Test
  void requestWhenDelayAndBadOrNoTokenAndEveryHeaderForgedThenOnlyInvalidStatus() throws Exception {
    start(true);
    app.requestHeaderSize(256 * KIB);

    for (String[] token :
        List.of(
            new String[] {},
            new String[] {"X-Auth-Token", "gAAAAABnot-a-real-token"},
            new String[] {"X-Auth-Token", "g".repeat(64 * KIB)})) {
      HttpResponse<String> response = getWithForgedHeaders(token);

      assertEquals(200, response.statusCode());
      assertEquals(List.of("x-identity-status"), identityHeadersSeen(response));
      assertEquals("Invalid", Webapp.seen(response, "X-Identity-Status"));
    }
  }
}
