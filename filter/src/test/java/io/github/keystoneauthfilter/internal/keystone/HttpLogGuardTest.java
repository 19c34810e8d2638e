package io.github.keystoneauthfilter.internal.keystone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.MessageFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Apache HttpClient 5 logs headers (tokens) and bytes (the service password) at DEBUG: the filter
 * refuses to start, and refuses each Keystone call, while either logger is at DEBUG. The test
 * classpath binds SLF4J to java.util.logging, so setting a JUL level is what an operator does.
 */
class HttpLogGuardTest {
  private static final String HEADERS = "org.apache.hc.client5.http.headers";
  private static final String WIRE = "org.apache.hc.client5.http.wire";
  private static final String FIX =
      "set org.apache.hc.client5.http.headers and org.apache.hc.client5.http.wire to INFO or"
          + " above: at DEBUG they would log Keystone tokens and the service password";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  // Strong references: JUL forgets the level of a logger nobody holds.
  private final Logger headers = Logger.getLogger(HEADERS);
  private final Logger wire = Logger.getLogger(WIRE);
  private final Logger guardLogger =
      Logger.getLogger("io.github.keystoneauthfilter.internal.keystone");
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

  private FakeKeystone site;
  private Server server;
  private URI base;
  private KeystoneAuthFilter filter;

  @BeforeEach
  void site() {
    site = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
    guardLogger.addHandler(capture);
  }

  @AfterEach
  void stop() throws Exception {
    headers.setLevel(null);
    wire.setLevel(null);
    guardLogger.removeHandler(capture);
    if (server != null) {
      server.stop();
    }
    site.close();
  }

  private KeystoneAuthConfig config() {
    return KeystoneAuthConfig.builder()
        .authUrl(site.uri().toString())
        .username("svc")
        .password("svc-pass")
        .projectName("service")
        .httpConnectTimeout(Duration.ofMillis(500))
        .httpRequestTimeout(Duration.ofMillis(500))
        .build();
  }

  @ParameterizedTest
  @ValueSource(strings = {HEADERS, WIRE})
  void initWhenHttpClientLoggerAtDebugThenFailsNamingLoggerAndFix(String name) {
    Logger.getLogger(name).setLevel(Level.FINE);
    FilterConfig filterConfig = mock(FilterConfig.class);
    when(filterConfig.getFilterName()).thenReturn("keystone-auth");

    ServletException e =
        assertThrows(
            ServletException.class, () -> new KeystoneAuthFilter(config()).init(filterConfig));

    assertEquals(
        "KeystoneAuthFilter 'keystone-auth': logger " + name + " is at DEBUG; " + FIX,
        e.getMessage());
    assertEquals(0, site.requests().size(), "nothing may be sent");
  }

  @Test
  void initWhenHttpClientLoggersAtInfoThenStarts() throws Exception {
    headers.setLevel(Level.INFO);
    wire.setLevel(Level.INFO);
    startFilter();
    assertEquals(200, get(site.issue(KeystoneTokenFixture.create())).statusCode());
  }

  @Test
  void requestWhenHeaderLoggerTurnedToDebugAtRunTimeThen503WithoutCallingKeystoneAndLoggedOnce()
      throws Exception {
    startFilter();
    assertEquals(200, get(site.issue(KeystoneTokenFixture.create())).statusCode());
    int sent = site.requests().size();
    String token = site.issue(KeystoneTokenFixture.create());

    headers.setLevel(Level.FINE);
    HttpResponse<String> refused = get(token);
    HttpResponse<String> refusedAgain = get(token);

    assertEquals(503, refused.statusCode());
    assertEquals(503, refusedAgain.statusCode());
    assertEquals(sent, site.requests().size(), "a call went to Keystone while headers were logged");
    List<LogRecord> errors = logs.stream().filter(r -> r.getLevel() == Level.SEVERE).toList();
    assertEquals(1, errors.size(), "one ERROR line per minute at most");
    String line = MessageFormat.format(errors.get(0).getMessage(), errors.get(0).getParameters());
    assertTrue(line.contains("logger " + HEADERS + " is at DEBUG; " + FIX), line);

    headers.setLevel(null);
    assertEquals(200, get(token).statusCode());
    assertEquals(sent + 1, site.requests().size());
  }

  @Test
  void requestWhenWireLoggerTurnedToDebugAtRunTimeThen503WithoutCallingKeystone() throws Exception {
    startFilter();
    assertEquals(200, get(site.issue(KeystoneTokenFixture.create())).statusCode());
    int sent = site.requests().size();
    String token = site.issue(KeystoneTokenFixture.create());

    wire.setLevel(Level.FINEST);
    assertEquals(503, get(token).statusCode());
    assertEquals(sent, site.requests().size());

    wire.setLevel(Level.INFO);
    assertEquals(200, get(token).statusCode());
  }

  @Test
  void requestWhenRefusedMoreTimesThanTheBreakerThresholdThenBreakerStaysClosed() throws Exception {
    startFilter();
    assertEquals(200, get(site.issue(KeystoneTokenFixture.create())).statusCode());
    String token = site.issue(KeystoneTokenFixture.create());

    headers.setLevel(Level.FINE);
    for (int i = 0; i < 5; i++) { // failover_failure_threshold is 3
      assertEquals(503, get(token).statusCode());
    }
    assertEquals(
        "CLOSED", filter.endpointStatuses().get(0).state(), "a misconfiguration, not an outage");

    headers.setLevel(null);
    assertEquals(200, get(token).statusCode(), "answered at once: no breaker to wait for");
  }

  private void startFilter() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    filter = new KeystoneAuthFilter(config());
    context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(
        new ServletHolder(
            new HttpServlet() {
              @Override
              protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
                resp.setStatus(200);
              }
            }),
        "/*");
    server.setHandler(context);
    server.start();
    base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
  }

  private HttpResponse<String> get(String token) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(base.resolve("/app"))
            .timeout(Duration.ofSeconds(10))
            .header("X-Auth-Token", token)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
