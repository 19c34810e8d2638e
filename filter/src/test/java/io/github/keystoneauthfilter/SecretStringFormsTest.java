package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.keystoneauthfilter.config.Credentials;
import io.github.keystoneauthfilter.internal.endpoint.CircuitBreaker;
import io.github.keystoneauthfilter.internal.endpoint.EndpointMember;
import io.github.keystoneauthfilter.internal.endpoint.EndpointPool;
import io.github.keystoneauthfilter.internal.keystone.KeystoneClient;
import io.github.keystoneauthfilter.internal.keystone.KeystoneHttp;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.KeystoneUnavailableException;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.Fault;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.client.Client;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The token and the service password never show in a string form: {@code toString()} of the token
 * and credential values, the request and context attributes the filter sets, its settings and
 * statuses, and every exception (message, causes, suppressed, stack trace) when no Keystone can
 * answer, even one that echoes the token back in its answer.
 */
class SecretStringFormsTest {
  private static final String PASSWORD = "svc-pass-7Hq2ZxW9";
  private final List<FakeKeystone> sites = new ArrayList<>();
  private Server server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
    sites.forEach(FakeKeystone::close);
  }

  private FakeKeystone site() {
    FakeKeystone site = FakeKeystone.start().addServiceUser("svc", PASSWORD, "service");
    sites.add(site);
    return site;
  }

  private static void assertHidden(String text, String token) {
    assertFalse(text.contains(token), "the token is in: " + text.replace(token, "<TOKEN>"));
    assertFalse(text.contains(token.substring(0, 16)), "the token's first 16 characters are in it");
    assertFalse(text.contains(PASSWORD), "the password is in it");
  }

  @Test
  void valuesWhenPrintedThenShowNeitherTokenNorSecret() {
    String token = "gAAAAABsecret-token-value-0123456789abcdefghijklmnop";
    assertHidden(AuthToken.of(token).toString(), token);
    assertHidden(AuthToken.of(token).allowingExpired().toString(), token);
    assertHidden(
        new Credentials.Password("svc", PASSWORD, "Default", "service", "Default").toString(),
        token);
    assertHidden(
        new Credentials.ApplicationCredential("id", null, null, "Default", PASSWORD).toString(),
        token);
  }

  @Test
  void filterWhenTokenValidThenAttributesSettingsAndStatusesShowNeitherTokenNorPassword()
      throws Exception {
    FakeKeystone site = site();
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    KeystoneAuthFilter filter =
        new KeystoneAuthFilter(
            KeystoneAuthConfig.builder()
                .authUrl(site.uri().toString())
                .username("svc")
                .password(PASSWORD)
                .projectName("service")
                .build());
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(
        new ServletHolder(
            new HttpServlet() {
              @Override
              protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
                for (String name : Collections.list(req.getAttributeNames())) {
                  seen.add(name + "=" + req.getAttribute(name));
                }
                seen.add("identity=" + req.getAttribute(KeystoneAuthFilter.IDENTITY_ATTRIBUTE));
                Object self =
                    getServletContext().getAttribute(KeystoneAuthFilter.CONTEXT_ATTRIBUTE);
                seen.add("context=" + self);
                resp.setStatus(200);
              }
            }),
        "/*");
    server.setHandler(context);
    server.start();
    String token = site.issue(KeystoneTokenFixture.create());

    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/app"))
                    .header("X-Auth-Token", token)
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertEquals(200, response.statusCode());
    assertFalse(seen.isEmpty());
    seen.add(filter.settings().toString());
    seen.add(filter.endpointStatuses().toString());
    assertHidden(String.join("\n", seen), token);
  }

  @Test
  void poolWhenNoEndpointAnswersThenExceptionsShowNeitherTokenNorPassword() throws Exception {
    String token =
        "gAAAAABfailing-token-" + KeystoneTokenFixture.hex() + KeystoneTokenFixture.hex();
    FakeKeystone status500 = site();
    status500.fault(Fault.status(500));
    FakeKeystone echoesToken = site();
    echoesToken.fault(
        Fault.body(
            "{\"token\": {\"expires_at\": \""
                + token
                + "\", \"user\": {\"id\": 7}}, \"t\": \""
                + token
                + "\"}"));
    FakeKeystone forbidden = site();
    forbidden.fault(Fault.status(403));
    FakeKeystone refuses = site();
    refuses.fault(Fault.refuse());
    for (FakeKeystone site : sites) {
      site.faultLogin(false);
    }
    Client http = KeystoneHttp.create(2, 4, Duration.ofMillis(500), Duration.ofMillis(500));
    try {
      List<EndpointMember> members = new ArrayList<>();
      for (FakeKeystone site : sites) {
        KeystoneClient client =
            new KeystoneClient(
                site.uri(),
                http,
                new ObjectMapper(),
                new Credentials.Password("svc", PASSWORD, "Default", "service", "Default"),
                true,
                Duration.ofMillis(500),
                Duration.ofMillis(500),
                Clock.systemUTC());
        members.add(
            new EndpointMember(
                client,
                new CircuitBreaker(
                    site.uri(),
                    3,
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(60),
                    Clock.systemUTC(),
                    () -> 0.5)));
      }
      EndpointPool pool =
          new EndpointPool(
              members, Duration.ofSeconds(5), false, Clock.systemUTC(), System::nanoTime);

      KeystoneUnavailableException e =
          assertThrows(
              KeystoneUnavailableException.class, () -> pool.validate(AuthToken.of(token)));

      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      assertHidden(e.toString() + "\n" + trace, token);
      assertEquals(0, refuses.requests().size()); // refused: nothing received
      assertFalse(echoesToken.requests().isEmpty(), "the token was sent where it is echoed");
    } finally {
      http.close();
    }
  }
}
