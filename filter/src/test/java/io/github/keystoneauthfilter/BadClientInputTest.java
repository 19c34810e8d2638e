package io.github.keystoneauthfilter;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.metrics.EndpointStatus;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile or broken client input (issue #7, item 1), end to end through embedded Jetty: each gets a
 * clear answer (400, 401 or the container's 431), never a 500, never a Keystone call for a token
 * that cannot be one, and never a forged identity. Complements {@link KeystoneAuthFilterTest},
 * which covers the plain cases (no token, an empty one, 8193 characters, a repeated identical
 * header, a few forged headers with delay_auth_decision).
 */
class BadClientInputTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final int KIB = 1024;
  private static final int MIB = 1024 * 1024;
  private static final String FORGED = "FORGED";
  private static final Set<String> TOKEN_HEADERS =
      Set.of("x-auth-token", "x-storage-token", "x-service-token");

  private final Logger filterLogger = Logger.getLogger("io.github.keystoneauthfilter");
  private final List<LogRecord> logs = Collections.synchronizedList(new ArrayList<>());
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          logs.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  private final AtomicInteger appCalls = new AtomicInteger();
  private final List<String> secrets = new ArrayList<>();
  private FakeKeystone site;
  private Server server;
  private URI base;

  @BeforeEach
  void site() {
    site = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
    filterLogger.setLevel(Level.ALL);
    filterLogger.addHandler(capture);
  }

  @AfterEach
  void stop() throws Exception {
    filterLogger.removeHandler(capture);
    filterLogger.setLevel(null);
    if (server != null) {
      server.stop();
    }
    site.close();
    for (LogRecord record : logs) {
      String text = record.getMessage() + " " + java.util.Arrays.toString(record.getParameters());
      for (String secret : secrets) {
        assertFalse(text.contains(secret), "a token reached a log line: " + record.getMessage());
      }
    }
  }

  /**
   * Starts the filter in front of the recording app; {@code headerBytes} is Jetty's request header
   * size (null: Jetty's default, 8 KiB).
   */
  private void startFilter(Integer headerBytes, Map<String, String> params) throws Exception {
    server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    if (headerBytes != null) {
      http.setRequestHeaderSize(headerBytes);
    }
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    FilterHolder filter = new FilterHolder(KeystoneAuthFilter.class);
    filter.setInitParameter("auth_url", site.uri().toString());
    filter.setInitParameter("username", "svc");
    filter.setInitParameter("password", "svc-pass");
    filter.setInitParameter("project_name", "service");
    params.forEach(filter::setInitParameter);
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(new ServletHolder(new RecordingApp(appCalls)), "/*");
    server.setHandler(context);
    server.start();
    base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
  }

  private void startFilter(Map<String, String> params) throws Exception {
    startFilter(4 * MIB, params);
  }

  private String issue(KeystoneTokenFixture fixture) {
    String token = site.issue(fixture);
    secrets.add(token);
    return token;
  }

  private HttpResponse<String> get(List<String> headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve("/app")).timeout(Duration.ofSeconds(30));
    for (int i = 0; i < headers.size(); i += 2) {
      request.header(headers.get(i), headers.get(i + 1));
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String... headers) throws Exception {
    return get(List.of(headers));
  }

  /** A status and body read off a raw connection; status -1: closed without an answer. */
  private record RawAnswer(int statusCode, String body) {}

  /** Like {@link #rawResponse} but only the status. */
  private int raw(byte[]... headerLines) throws IOException {
    return rawResponse(headerLines).statusCode();
  }

  /**
   * Sends {@code headerLines} (each without its line end, joined by CRLF) as raw bytes, for what
   * {@link HttpClient} refuses to send, and reads the answer until the server closes.
   */
  private RawAnswer rawResponse(byte[]... headerLines) throws IOException {
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.writeBytes(
        "GET /app HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".getBytes(ISO_8859_1));
    for (byte[] line : headerLines) {
      request.writeBytes(line);
      request.writeBytes("\r\n".getBytes(ISO_8859_1));
    }
    request.writeBytes("\r\n".getBytes(ISO_8859_1));
    try (Socket socket = new Socket("127.0.0.1", base.getPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request.toByteArray());
        out.flush();
      } catch (IOException closedEarly) {
        // The server may answer and close before reading everything: read what it said.
      }
      String answer;
      try {
        answer = new String(socket.getInputStream().readNBytes(4 * MIB), UTF_8);
      } catch (IOException reset) {
        return new RawAnswer(-1, "");
      }
      if (!answer.startsWith("HTTP/1.1 ")) {
        return new RawAnswer(-1, "");
      }
      int bodyStart = answer.indexOf("\r\n\r\n");
      return new RawAnswer(
          Integer.parseInt(answer.substring(9, 12)),
          bodyStart < 0 ? "" : answer.substring(bodyStart + 4));
    }
  }

  private static byte[] line(String text) {
    return text.getBytes(ISO_8859_1);
  }

  private static byte[] line(String name, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes((name + ": ").getBytes(ISO_8859_1));
    out.writeBytes(value);
    return out.toByteArray();
  }

  /** Header name (lower case) to the values the app saw, token headers left out. */
  private static Map<String, List<String>> seen(HttpResponse<String> response) {
    return seen(response.body());
  }

  private static Map<String, List<String>> seen(RawAnswer response) {
    return seen(response.body());
  }

  private static Map<String, List<String>> seen(String body) {
    Map<String, List<String>> headers = new TreeMap<>();
    for (String line : body.split("\n")) {
      int colon = line.indexOf(": ");
      if (colon > 0) {
        headers
            .computeIfAbsent(
                line.substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
            .add(line.substring(colon + 2));
      }
    }
    return headers;
  }

  private static String only(Map<String, List<String>> seen, String name) {
    List<String> values = seen.get(name.toLowerCase(Locale.ROOT));
    if (values == null) {
      return null;
    }
    assertEquals(1, values.size(), name + " seen " + values.size() + " times");
    return values.get(0);
  }

  // ------------------------------------------------------------------ empty and oversized tokens

  @Test
  void requestWhenAuthTokenWhitespaceOnlyThen401AndStorageTokenStillHidden() throws Exception {
    startFilter(Map.of());
    String valid = issue(KeystoneTokenFixture.create());

    assertEquals(401, raw(line("X-Auth-Token: \t  \t"), line("X-Storage-Token: " + valid)));
    assertEquals(401, get("X-Auth-Token", "   ").statusCode());

    assertEquals(0, asked());
    assertEquals(0, appCalls.get());
  }

  @Test
  void requestWhenTokenExactlyMaxLengthThenKeystoneIsAskedAndOneMoreIsNot() throws Exception {
    startFilter(Map.of());

    assertEquals(
        401, get("X-Auth-Token", "x".repeat(KeystoneAuthFilter.MAX_TOKEN_LENGTH)).statusCode());
    assertEquals(1, asked(), "a token of exactly the maximum length is asked about");

    assertEquals(
        401, get("X-Auth-Token", "x".repeat(KeystoneAuthFilter.MAX_TOKEN_LENGTH + 1)).statusCode());
    assertEquals(1, asked());
  }

  @ParameterizedTest
  @ValueSource(ints = {8193, 64 * KIB, MIB})
  void requestWhenTokenOversizedAndHeadersAllowedByJettyThenFilterAnswers401Unasked(int length)
      throws Exception {
    startFilter(Map.of());
    String huge = "g".repeat(length);
    secrets.add(huge);

    HttpResponse<String> response = get("X-Auth-Token", huge);

    assertEquals(401, response.statusCode());
    assertTrue(response.headers().firstValue("WWW-Authenticate").isPresent());
    assertEquals(0, asked());
    assertEquals(0, appCalls.get());
  }

  @ParameterizedTest
  @ValueSource(ints = {8193, 64 * KIB, MIB})
  void requestWhenTokenOversizedWithJettyDefaultsThenContainerAnswers431Itself(int length)
      throws Exception {
    startFilter(null, Map.of());
    String huge = "g".repeat(length);
    secrets.add(huge);

    int status = raw(line("X-Auth-Token: " + huge));

    assertEquals(431, status);
    assertEquals(0, asked());
    assertEquals(0, appCalls.get());
  }

  @Test
  void requestWhenTokenJustUnderJettysDefaultHeaderSizeThenTheFilterDecides() throws Exception {
    startFilter(null, Map.of());

    // Jetty's default header block is 8 KiB in all, so 8000 characters still reach the filter.
    assertEquals(401, raw(line("X-Auth-Token: " + "g".repeat(8000))));

    assertEquals(1, asked());
  }

  @Test
  void requestWhenLongTokensAreTooBigForKeystonesHeaderLimitThen401AndBreakerStaysClosed()
      throws Exception {
    startFilter(Map.of("failover_failure_threshold", "3"));
    String valid = issue(KeystoneTokenFixture.create());

    // Under MAX_TOKEN_LENGTH, but over the fake Keystone's (Jetty's default) 8 KiB header limit:
    // Keystone answers 431. That says nothing about Keystone's health.
    for (int i = 0; i < 5; i++) {
      String longToken = "gAAAA" + i + "x".repeat(8100);
      secrets.add(longToken);
      assertEquals(401, get("X-Auth-Token", longToken).statusCode());
    }

    // Keystone was asked once per token and gave a definite answer each time (not a failure),
    // refused by its container before its servlet ran, and that answer was 431: the filter did
    // not refuse these tokens on its own.
    EndpointStatus afterLongTokens = filter().endpointStatuses().get(0);
    assertEquals(5, afterLongTokens.answers());
    assertEquals(0, afterLongTokens.failures());
    assertEquals(0, site.validations());
    assertEquals(5, refusalsCiting("(431)"));
    assertEquals(200, get("X-Auth-Token", valid).statusCode());
    assertEquals(1, site.validations());
    assertEquals("CLOSED", filter().endpointStatuses().get(0).state());
  }

  /** Log lines of the filter's that give {@code reason} as why a token was refused. */
  private long refusalsCiting(String reason) {
    synchronized (logs) {
      return logs.stream()
          .filter(r -> r.getMessage().startsWith("token {0} refused"))
          .filter(
              r ->
                  r.getParameters() != null
                      && String.valueOf(r.getParameters()[1]).contains(reason))
          .count();
    }
  }

  /**
   * Validations the filter sent to Keystone (answered or failed). The fake's own record misses
   * requests its Jetty refuses before its servlet runs (431 for long headers).
   */
  private int asked() {
    EndpointStatus status = filter().endpointStatuses().get(0);
    return (int) (status.answers() + status.failures());
  }

  private KeystoneAuthFilter filter() {
    return (KeystoneAuthFilter)
        ((ServletContextHandler) server.getHandler())
            .getServletContext()
            .getAttribute(KeystoneAuthFilter.CONTEXT_ATTRIBUTE);
  }

  // ------------------------------------------------------------------ characters

  /** What Jetty (defaults) and then the filter answer; the status is pinned per byte. */
  @ParameterizedTest
  @CsvSource({
    "C3A9, 401", // é in UTF-8: Jetty passes it, the filter refuses it
    "E9, 401", // é in ISO-8859-1
    "F09F9491, 401", // an emoji in UTF-8
    "09, 401", // a tab inside the token
    "00, 400", // NUL: Jetty refuses the request
    "01, 400", // SOH
    "7F, 400", // DEL
  })
  void requestWhenTokenHoldsNonAsciiOrControlBytesThenRefusedWithoutKeystone(
      String hex, int expected) throws Exception {
    startFilter(Map.of());
    String valid = issue(KeystoneTokenFixture.create());
    ByteArrayOutputStream value = new ByteArrayOutputStream();
    value.writeBytes(valid.substring(0, 90).getBytes(ISO_8859_1));
    value.writeBytes(HexFormat.of().parseHex(hex));
    value.writeBytes(valid.substring(90).getBytes(ISO_8859_1));

    assertEquals(expected, raw(line("X-Auth-Token", value.toByteArray())));

    assertEquals(0, asked());
    assertEquals(0, appCalls.get());
  }

  @Test
  void requestWhenBareCarriageReturnInTokenThen400FromJettyWithoutKeystone() throws Exception {
    startFilter(Map.of());

    assertEquals(400, raw(line("X-Auth-Token: gAAAA\rX-Roles: admin")));

    assertEquals(0, asked());
    assertEquals(0, appCalls.get());
  }

  @Test
  void requestWhenObsoleteLineFoldingInTokenThen400FromJettyWithoutKeystone() throws Exception {
    startFilter(Map.of());

    assertEquals(400, raw(line("X-Auth-Token: gAAAA"), line(" X-Roles: admin")));

    assertEquals(0, asked());
    assertEquals(0, appCalls.get());
  }

  @Test
  void requestWhenBareLineFeedSmugglesAHeaderThenItIsJustAnotherForgedHeaderAndStripped()
      throws Exception {
    startFilter(Map.of());
    String valid = issue(KeystoneTokenFixture.create().roles("reader"));

    // Jetty reads a bare LF as a line end: X-Roles is then one more header the client sent.
    RawAnswer response = rawResponse(line("X-Auth-Token: " + valid + "\nX-Roles: admin"));

    assertEquals(200, response.statusCode());
    assertEquals("reader", only(seen(response), "X-Roles"));
  }

  @Test
  void requestWhenHeaderNameHasSpaceBeforeColonThen400FromJetty() throws Exception {
    startFilter(Map.of("delay_auth_decision", "true"));

    assertEquals(400, raw(line("X-Identity-Status : Confirmed")));

    assertEquals(0, appCalls.get());
  }

  // ------------------------------------------------------------------ several token headers

  @Test
  void requestWhenAuthTokenSentTwiceWithDifferentValuesThen401WithoutKeystone() throws Exception {
    startFilter(Map.of());
    String valid = issue(KeystoneTokenFixture.create());

    assertEquals(401, get("X-Auth-Token", valid, "X-Auth-Token", "gAAAAAbad").statusCode());
    assertEquals(401, get("X-Auth-Token", "gAAAAAbad", "x-auth-token", valid).statusCode());
    assertEquals(401, get("X-Storage-Token", valid, "X-Storage-Token", valid).statusCode());

    assertEquals(0, asked());
  }

  @Test
  void requestWhenTwoTokensJoinedByCommaInOneHeaderThenNeverValid() throws Exception {
    startFilter(Map.of());
    String valid = issue(KeystoneTokenFixture.create());

    assertEquals(401, get("X-Auth-Token", valid + "," + valid).statusCode());
    assertEquals(401, get("X-Auth-Token", valid + ", " + valid).statusCode());
  }

  @Test
  void requestWhenAuthAndStorageTokenBothSentThenAuthTokenCounts() throws Exception {
    startFilter(Map.of());
    String valid = issue(KeystoneTokenFixture.create());

    assertEquals(401, get("X-Auth-Token", "gAAAAAbad", "X-Storage-Token", valid).statusCode());
    assertEquals(200, get("X-Auth-Token", valid, "X-Storage-Token", "gAAAAAbad").statusCode());
  }

  @ParameterizedTest
  @ValueSource(strings = {"twice", "too-long", "inner-space"})
  void requestWhenServiceTokenUnusableThen401LikeAnInvalidOneWithoutKeystone(String how)
      throws Exception {
    startFilter(Map.of());
    String user = issue(KeystoneTokenFixture.create());
    String service = issue(KeystoneTokenFixture.create().roles("service"));
    assertEquals(200, get("X-Auth-Token", user).statusCode());
    int before = asked();

    HttpResponse<String> response = get(withUnusableServiceToken(how, user, service));

    assertEquals(401, response.statusCode());
    assertEquals(before, asked(), "the unusable service token was not sent");
  }

  @ParameterizedTest
  @ValueSource(strings = {"twice", "too-long", "inner-space"})
  void requestWhenServiceTokenUnusableAndDelayThenServiceInvalidUserConfirmed(String how)
      throws Exception {
    startFilter(Map.of("delay_auth_decision", "true"));
    String user = issue(KeystoneTokenFixture.create());
    String service = issue(KeystoneTokenFixture.create().roles("service"));

    HttpResponse<String> response = get(withUnusableServiceToken(how, user, service));

    assertEquals(200, response.statusCode());
    Map<String, List<String>> seen = seen(response);
    assertEquals("Confirmed", only(seen, "X-Identity-Status"));
    assertEquals("Invalid", only(seen, "X-Service-Identity-Status"));
    assertNull(seen.get("x-service-user-id"));
  }

  private List<String> withUnusableServiceToken(String how, String user, String service) {
    String tooLong = service + "x".repeat(KeystoneAuthFilter.MAX_TOKEN_LENGTH);
    secrets.add(tooLong);
    return switch (how) {
      case "twice" ->
          List.of("X-Auth-Token", user, "X-Service-Token", service, "X-Service-Token", service);
      case "too-long" -> List.of("X-Auth-Token", user, "X-Service-Token", tooLong);
      default -> List.of("X-Auth-Token", user, "X-Service-Token", service + " x");
    };
  }

  // ------------------------------------------------------------------ forged identity headers

  /** Every strippable name in four spellings, each sent twice with forged values. */
  private static List<String> forgedHeaders() {
    List<String> headers = new ArrayList<>();
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
        headers.addAll(List.of(spelling, FORGED + "-1", spelling, FORGED + "-2"));
      }
    }
    return headers;
  }

  /** The app saw no forged value, and each identity header at most once. */
  private static void assertNothingForged(HttpResponse<String> response) {
    Map<String, List<String>> seen = seen(response);
    for (Map.Entry<String, List<String>> header : seen.entrySet()) {
      for (String value : header.getValue()) {
        assertFalse(value.contains(FORGED), "a forged value reached the app in " + header.getKey());
      }
      if (IdentityHeaders.isStripped(header.getKey())) {
        assertEquals(1, header.getValue().size(), header.getKey() + " seen more than once");
      }
    }
  }

  @Test
  void requestWhenEveryIdentityHeaderForgedInEveryCaseTwiceWithValidTokenThenOnlyVerified()
      throws Exception {
    startFilter(Map.of());
    KeystoneTokenFixture fixture = KeystoneTokenFixture.create().roles("reader");
    List<String> headers = new ArrayList<>(forgedHeaders());
    headers.addAll(List.of("X-Auth-Token", issue(fixture)));

    HttpResponse<String> response = get(headers);

    assertEquals(200, response.statusCode());
    assertNothingForged(response);
    Map<String, List<String>> seen = seen(response);
    assertEquals("Confirmed", only(seen, "X-Identity-Status"));
    assertEquals(fixture.userId(), only(seen, "X-User-Id"));
    assertEquals("reader", only(seen, "X-Roles"));
    assertEquals(fixture.userId(), only(seen, "attribute-user-id"));
    assertNull(seen.get("x-service-identity-status"));
    assertNull(seen.get("x-service-roles"));
    assertNull(seen.get("openstack-system-scope"));
  }

  @Test
  void requestWhenEveryIdentityHeaderForgedAndServiceTokenValidThenOnlyVerified() throws Exception {
    startFilter(Map.of());
    KeystoneTokenFixture serviceUser = KeystoneTokenFixture.create().roles("service");
    List<String> headers = new ArrayList<>(forgedHeaders());
    headers.addAll(
        List.of(
            "X-Auth-Token",
            issue(KeystoneTokenFixture.create()),
            "X-Service-Token",
            issue(serviceUser)));

    HttpResponse<String> response = get(headers);

    assertEquals(200, response.statusCode());
    assertNothingForged(response);
    Map<String, List<String>> seen = seen(response);
    assertEquals("Confirmed", only(seen, "X-Service-Identity-Status"));
    assertEquals("service", only(seen, "X-Service-Roles"));
    assertEquals(serviceUser.userId(), only(seen, "X-Service-User-Id"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "bad", "too-long"})
  void requestWhenEveryIdentityHeaderForgedWithDelayAndNoUsableTokenThenOnlyInvalid(String token)
      throws Exception {
    startFilter(Map.of("delay_auth_decision", "true"));
    List<String> headers = new ArrayList<>(forgedHeaders());
    if (token.equals("bad")) {
      headers.addAll(List.of("X-Auth-Token", "gAAAAAbad"));
    } else if (token.equals("too-long")) {
      headers.addAll(List.of("X-Auth-Token", "g".repeat(64 * KIB)));
    }

    HttpResponse<String> response = get(headers);

    assertEquals(200, response.statusCode());
    assertNothingForged(response);
    Map<String, List<String>> seen = seen(response);
    assertEquals("Invalid", only(seen, "X-Identity-Status"));
    for (String name : seen.keySet()) {
      assertTrue(
          !IdentityHeaders.isStripped(name) || name.equals("x-identity-status"),
          name + " reached the app without a valid token");
    }
    assertNull(seen.get("attribute-user-id"));
  }

  @Test
  void requestWhenForgedHeadersAndNoTokenThen401AndAppNotReached() throws Exception {
    startFilter(Map.of());

    assertEquals(401, get(forgedHeaders()).statusCode());

    assertEquals(0, appCalls.get());
    assertEquals(0, asked());
  }

  /**
   * Writes every header it sees, one "name: value" line each (token headers left out: never echo a
   * token), and the identity attribute's user id.
   */
  private static final class RecordingApp extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient AtomicInteger calls;

    RecordingApp(AtomicInteger calls) {
      this.calls = calls;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      calls.incrementAndGet();
      StringBuilder body = new StringBuilder();
      for (String name : Collections.list(request.getHeaderNames())) {
        if (TOKEN_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
          continue;
        }
        for (String value : Collections.list(request.getHeaders(name))) {
          body.append(name).append(": ").append(value).append('\n');
        }
      }
      if (request.getAttribute(KeystoneAuthFilter.IDENTITY_ATTRIBUTE) instanceof Identity id) {
        body.append("attribute-user-id: ").append(id.userId()).append('\n');
      }
      response.setContentType("text/plain;charset=UTF-8");
      response.getWriter().write(body.toString());
    }
  }
}
