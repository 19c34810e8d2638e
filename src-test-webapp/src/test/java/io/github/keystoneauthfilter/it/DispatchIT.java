package io.github.keystoneauthfilter.it;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13, items 1, 2 and 5, through the test webapp against real Keystone: the error page, a
 * forward, an include and an async dispatch of a request never see a forged identity header (dash
 * or underscore spelling), with a real token, with delay_auth_decision and no token, and on an
 * excluded path; and a raw URI that a router could read differently from the container is never let
 * through as excluded.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DispatchIT {
  private static final String FORGED = "FORGED";

  /** Each second pass, and the dispatcher type and status it ends in. */
  private static final List<String[]> DISPATCHES =
      List.of(
          new String[] {"/senderror/404", "ERROR", "404"},
          new String[] {"/forward/x", "FORWARD", "200"},
          new String[] {"/include/x", "INCLUDE", "200"},
          new String[] {"/async/x", "ASYNC", "200"});

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

  private void start(String... options) throws Exception {
    Properties config = keystone.filterConfig(1);
    for (int i = 0; i < options.length; i += 2) {
      config.setProperty(options[i], options[i + 1]);
    }
    app = Webapp.start(config);
  }

  /** Forged identity headers in dash and underscore spellings, then {@code extra} pairs. */
  private static Map<String, String> forged(String... extra) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-Identity-Status", "Confirmed");
    headers.put("X-Roles", FORGED + "-admin");
    headers.put("X-User-Id", FORGED + "-user");
    headers.put("X_Roles", FORGED + "-admin");
    headers.put("x_user_id", FORGED + "-user");
    headers.put("OpenStack_System_Scope", FORGED);
    for (int i = 0; i < extra.length; i += 2) {
      headers.put(extra[i], extra[i + 1]);
    }
    return headers;
  }

  /**
   * Sends each second pass with these headers and checks, for every one (all reported), that it
   * happened as intended and that the echo saw no forged value; then {@code check} on what it saw.
   */
  private void eachDispatch(String prefix, Map<String, String> headers, Check check) {
    assertAll(
        DISPATCHES.stream()
            .map(
                dispatch ->
                    () -> {
                      HttpResponse<String> response = app.get(prefix + dispatch[0], headers);
                      String token = headers.get("X-Auth-Token");
                      String what =
                          dispatch[0]
                              + ": "
                              + (token == null
                                  ? response.body()
                                  : response.body().replace(token, "<token>"));
                      assertEquals(Integer.parseInt(dispatch[2]), response.statusCode(), what);
                      JsonNode body = Webapp.JSON.readTree(response.body());
                      assertEquals(dispatch[1], body.get("dispatch").asText(), what);
                      assertFalse(response.body().contains(FORGED), what);
                      for (Iterator<String> names = body.get("headers").fieldNames();
                          names.hasNext(); ) {
                        String name = names.next();
                        assertFalse(name.contains("_"), what);
                      }
                      check.check(dispatch[0], response);
                    }));
  }

  private interface Check {
    void check(String path, HttpResponse<String> response) throws Exception;
  }

  @Test
  void dispatchWhenRealTokenAndForgedHeadersThenEveryPassSeesOnlyKeystonesIdentity()
      throws Exception {
    start();
    String token = keystone.demoToken(1);

    eachDispatch(
        "",
        forged("X-Auth-Token", token),
        (path, response) -> {
          assertEquals("Confirmed", Webapp.seen(response, "X-Identity-Status"), path);
          assertEquals("demo", Webapp.seen(response, "X-User-Name"), path);
          assertNull(Webapp.seen(response, "OpenStack-System-Scope"), path);
        });
  }

  @Test
  void dispatchWhenDelayAuthDecisionAndNoTokenThenEveryPassSeesInvalidOnly() throws Exception {
    start("delay_auth_decision", "true");

    eachDispatch(
        "",
        forged(),
        (path, response) -> {
          assertEquals("Invalid", Webapp.seen(response, "X-Identity-Status"), path);
          assertNull(Webapp.seen(response, "X-Roles"), path);
          assertNull(Webapp.seen(response, "X-User-Id"), path);
        });
  }

  @Test
  void dispatchWhenExcludedPathThenEveryPassSeesNoIdentityHeader() throws Exception {
    start("excluded_paths", "/senderror/*,/forward/*,/include/*,/async/*");

    eachDispatch(
        "",
        forged(),
        (path, response) -> {
          assertNull(Webapp.seen(response, "X-Identity-Status"), path);
          assertNull(Webapp.seen(response, "X-Roles"), path);
        });
  }

  @Test
  void requestWhenIdentityHeadersSpelledWithUnderscoresThenTheAppNeverSeesThem() throws Exception {
    start();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-Auth-Token", keystone.demoToken(1));
    headers.put("X_Roles", FORGED + "-admin");
    headers.put("x_user_id", FORGED + "-user");
    headers.put("X_IDENTITY_STATUS", FORGED);
    headers.put("X-Service_Roles", FORGED);
    headers.put("X_Unrelated_Header", "kept");

    HttpResponse<String> response = app.get("/x", headers);

    assertEquals(200, response.statusCode());
    List<String> forgedSeen = new ArrayList<>();
    for (Map.Entry<String, JsonNode> field : Webapp.echoedHeaders(response).properties()) {
      if (field.getValue().toString().contains(FORGED)) {
        forgedSeen.add(field.getKey());
      }
    }
    assertEquals(List.of(), forgedSeen, "forged values reached the app");
    assertEquals("Confirmed", Webapp.seen(response, "X-Identity-Status"));
    assertEquals("kept", Webapp.seen(response, "X_Unrelated_Header"));
  }

  /** Sends {@code GET <target>} byte for byte, without a token; the status, -1 if none. */
  private int rawStatus(String target) throws IOException {
    String request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", app.base().getPort())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(ISO_8859_1));
      out.flush();
      String head = new String(socket.getInputStream().readNBytes(12), ISO_8859_1);
      return head.startsWith("HTTP/1.1 ") ? Integer.parseInt(head.substring(9, 12)) : -1;
    }
  }

  @Test
  void requestWhenRawUriNotCanonicalThenNotExcluded() throws Exception {
    start("excluded_paths", "/public/*");
    assertEquals(200, rawStatus("/public/x"), "control: the exclusion works");

    for (String target :
        List.of(
            "/api/secret/../../public/x",
            "/api/..;/public/x",
            "/public//x",
            "/api/%2e%2e/public/x",
            "/public/..%2Fapi/x",
            "/public/..%5Capi/x")) {
      assertNotEquals(200, rawStatus(target), target);
    }
  }
}
