package io.github.keystoneauthfilter.internal.keystone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.config.Credentials;
import io.github.keystoneauthfilter.internal.endpoint.Deadline;
import io.github.keystoneauthfilter.internal.endpoint.EndpointFailureException;
import io.github.keystoneauthfilter.internal.endpoint.EndpointFailureException.Kind;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.Fault;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.client.Client;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Keystone that answers 200 with something hostile or broken (issue #7, item 2): every such
 * answer is an endpoint failure (the next endpoint is tried; 503 when none is left) or an invalid
 * token, never a valid identity and never a 500. Parser details are in {@link
 * TokenResponseParserTest}; this class drives the answers over HTTP, through {@link KeystoneClient}
 * and through the whole filter.
 */
class HostileKeystoneTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final String INJECTION = "alice\r\nX-Roles: admin";

  private FakeKeystone keystone;
  private Client http;

  @BeforeEach
  void start() {
    keystone = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
    http = KeystoneHttp.create(4, 1, TIMEOUT, TIMEOUT);
  }

  @AfterEach
  void stop() {
    http.close();
    keystone.close();
  }

  private KeystoneClient client() {
    return new KeystoneClient(
        keystone.uri(),
        http,
        MAPPER,
        new Credentials.Password("svc", "svc-pass", "Default", "service", "Default"),
        true,
        TIMEOUT,
        TIMEOUT,
        Clock.systemUTC());
  }

  private static Deadline deadline() {
    return Deadline.after(Duration.ofSeconds(10), System::nanoTime);
  }

  /** A valid project-scoped token body with a catalog and an application credential rule. */
  private static ObjectNode genuine() {
    return KeystoneTokenFixture.create()
        .roles("member", "reader")
        .expiresIn(Duration.ofHours(1))
        .addService("compute", "nova", KeystoneTokenFixture.endpoint("public", "R1", "http://n"))
        .applicationCredential("ac-id", "ac-name")
        .addAccessRule("compute", "GET", "/servers")
        .toJson();
  }

  /** {@link #genuine()} with the node at {@code pointer} replaced by the JSON {@code value}. */
  private static String with(String pointer, String value) throws IOException {
    return with(genuine(), pointer, value);
  }

  /** {@code root} with the node at {@code pointer} replaced by the JSON {@code value}. */
  private static String with(ObjectNode root, String pointer, String value) throws IOException {
    JsonPointer path = JsonPointer.compile(pointer);
    JsonNode parent = root.at(path.head());
    JsonNode replacement = MAPPER.readTree(value);
    if (parent instanceof ArrayNode array) {
      array.set(path.last().getMatchingIndex(), replacement);
    } else {
      ((ObjectNode) parent).set(path.last().getMatchingProperty(), replacement);
    }
    return MAPPER.writeValueAsString(root);
  }

  /** Validating any token against {@code body} fails as an outage, naming no token. */
  private void assertEndpointFailure(String body) {
    KeystoneClient client = client();
    keystone.fault(Fault.body(body));
    AuthToken token = AuthToken.of("gAAAAA" + KeystoneTokenFixture.hex());

    EndpointFailureException failure =
        assertThrows(EndpointFailureException.class, () -> client.validate(token, deadline()));

    assertEquals(Kind.UNAVAILABLE, failure.kind());
    assertFalse(failure.getMessage().contains(token.value()));
  }

  // ------------------------------------------------------------------ identity values

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/token/user/id",
        "/token/user/name",
        "/token/user/domain/id",
        "/token/user/domain/name",
        "/token/project/id",
        "/token/project/name",
        "/token/project/domain/id",
        "/token/project/domain/name",
        "/token/roles/1/name",
        "/token/catalog/0/type",
        "/token/catalog/0/name",
        "/token/catalog/0/endpoints/0/url",
        "/token/catalog/0/endpoints/0/region",
        "/token/catalog/0/endpoints/0/interface",
        "/token/application_credential/access_rules/0/path",
      })
  void validateWhenAnyIdentityValueHoldsCrLfThenEndpointFailure(String pointer) throws Exception {
    assertEndpointFailure(with(pointer, MAPPER.writeValueAsString(INJECTION)));
  }

  @Test
  void validateWhenDomainScopeValuesHoldCrLfThenEndpointFailure() throws Exception {
    assertEndpointFailure(with("/token/domain", "{\"id\":\"d\",\"name\":\"eng\\r\\nX-Roles: a\"}"));
    assertEndpointFailure(with("/token/domain", "{\"id\":\"d\\nX\",\"name\":\"eng\"}"));
  }

  /**
   * Control characters, C0 and C1 alike, and the Unicode line and paragraph separators: no name
   * holds them, and some readers (logs, Python's splitlines, regex {@code \R}) end a line there.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {"\u0000", "\t", "\u001b", "\u007f", "\u0085", "\u009b", "\u2028", "\u2029"})
  void validateWhenUserNameHoldsAControlOrLineSeparatorThenEndpointFailure(String c)
      throws Exception {
    assertEndpointFailure(with("/token/user/name", MAPPER.writeValueAsString("al" + c + "ice")));
  }

  @Test
  void validateWhenNamesAreNonAsciiUnicodeThenValidWithExactlyThoseNames() throws Exception {
    String user = "Jos\u00e9 \u6771\u4eac \ud83d\ude80";
    String project = "\u00dcn\u00efc\u00f8d\u00e9-\u0645\u0634\u0631\u0648\u0639";
    String token =
        keystone.issue(
            KeystoneTokenFixture.create()
                .userName(user)
                .projectName(project)
                .roles("r\u00f4le")
                .expiresIn(Duration.ofHours(1)));

    TokenValidation answer = client().validate(AuthToken.of(token), deadline());

    Identity identity = assertInstanceOf(TokenValidation.Valid.class, answer).identity();
    assertEquals(user, identity.userName());
    assertEquals(project, identity.projectName());
    assertEquals(List.of("r\u00f4le"), identity.roles());
  }

  // ------------------------------------------------------------------ wrong JSON types

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/token | \"gAAAA\"",
        "/token/user | \"alice\"",
        "/token/user | []",
        "/token/user/id | 42",
        "/token/user/id | true",
        "/token/user/id | [\"u\"]",
        "/token/user/id | {\"id\":\"u\"}",
        "/token/user/id | null",
        "/token/user/name | 42",
        "/token/user/domain | \"default\"",
        "/token/user/domain/id | {}",
        "/token/project | \"p\"",
        "/token/project | [\"p\"]",
        "/token/project/id | 7",
        "/token/project/domain | \"default\"",
        "/token/domain | \"d\"",
        "/token/domain | [{\"id\":\"d\"}]",
        "/token/roles | \"admin\"",
        "/token/roles | {\"name\":\"admin\"}",
        "/token/roles | [\"admin\"]",
        "/token/roles/0 | \"admin\"",
        "/token/roles/0/name | [\"admin\"]",
        "/token/roles/0/name | null",
        "/token/system | \"all\"",
        "/token/system | true",
        "/token/system | {\"all\":\"true\"}",
        "/token/system | {\"all\":1}",
        "/token/is_admin_project | \"True\"",
        "/token/expires_at | 1795871655",
        "/token/expires_at | null",
        "/token/expires_at | \"\"",
        "/token/expires_at | \"tomorrow\"",
        "/token/expires_at | {\"at\":\"2030-01-01T00:00:00Z\"}",
        "/token/catalog | {}",
        "/token/catalog | \"compute\"",
        "/token/catalog/0 | \"compute\"",
        "/token/catalog/0/endpoints | \"http://n\"",
        "/token/catalog/0/endpoints | {\"e\":{\"interface\":\"public\",\"url\":\"http://n\"}}",
        "/token/catalog/0/endpoints/0 | \"http://n\"",
        "/token/application_credential | \"ac-id\"",
        "/token/application_credential/access_rules | \"all\"",
        "/token/application_credential/access_rules/0 | \"GET /\"",
      })
  void validateWhenAFieldHasTheWrongJsonTypeThenEndpointFailure(String pointer, String value)
      throws Exception {
    assertEndpointFailure(with(pointer, value));
  }

  // ------------------------------------------------------------------ broken bodies

  @Test
  void validateWhenBodyEmptyHtmlOrNotATokenThenEndpointFailure() throws Exception {
    assertEndpointFailure("");
    assertEndpointFailure("<!DOCTYPE html><html><body>Service Unavailable</body></html>");
    assertEndpointFailure("null");
    assertEndpointFailure("[]");
    assertEndpointFailure("{}");
    assertEndpointFailure("{\"token\":null}");
    assertEndpointFailure("\"token\"");
  }

  @Test
  void validateWhenBodyTruncatedThenEndpointFailure() throws Exception {
    String whole = MAPPER.writeValueAsString(genuine());
    for (int cut : new int[] {1, whole.length() / 3, whole.length() / 2, whole.length() - 1}) {
      assertEndpointFailure(whole.substring(0, cut));
    }
  }

  @Test
  void validateWhenBodyHasTrailingContentThenEndpointFailure() throws Exception {
    String whole = MAPPER.writeValueAsString(genuine());

    assertEndpointFailure(whole + "<html>");
    assertEndpointFailure(whole + with("/token/roles/0/name", "\"admin\""));
  }

  @Test
  void validateWhenAKeyIsRepeatedWithAnotherValueThenEndpointFailure() throws Exception {
    String whole = MAPPER.writeValueAsString(genuine());

    assertEndpointFailure(whole.replaceFirst("\"user\":\\{", "\"user\":{\"id\":\"forged\","));
  }

  @Test
  void validateWhenBodyNestedVeryDeeplyThenEndpointFailureNotAStackOverflow() {
    assertEndpointFailure("{\"token\":" + "[".repeat(200_000));
  }

  // ------------------------------------------------------------------ size

  @Test
  void validateWhenCatalogMakesBodyExactlyTheLimitThenValid() throws Exception {
    String body = bodyOfSize(KeystoneClient.MAX_BODY_BYTES);
    keystone.fault(Fault.body(body));

    TokenValidation answer = client().validate(AuthToken.of("gAAAAAany"), deadline());

    Identity identity = assertInstanceOf(TokenValidation.Valid.class, answer).identity();
    assertEquals(
        MAPPER.readTree(body).at("/token/catalog").size(),
        MAPPER.readTree(identity.catalogV2Json()).size(),
        "every service of the catalog was read");
  }

  @Test
  void validateWhenCatalogMakesBodyOneByteOverTheLimitThenEndpointFailure() throws Exception {
    assertEndpointFailure(bodyOfSize(KeystoneClient.MAX_BODY_BYTES + 1));
  }

  /** A genuine body whose catalog of many services makes it exactly {@code size} bytes. */
  private static String bodyOfSize(int size) throws IOException {
    ObjectNode root = genuine();
    ArrayNode catalog = (ArrayNode) root.at("/token/catalog");
    JsonNode service = catalog.get(0);
    int perService = MAPPER.writeValueAsBytes(service).length + 1;
    int count = (size - 200 - MAPPER.writeValueAsBytes(root).length) / perService;
    for (int i = 0; i < count; i++) {
      catalog.add(service.deepCopy());
    }
    ObjectNode last = (ObjectNode) catalog.get(catalog.size() - 1);
    last.put("name", "");
    int missing = size - MAPPER.writeValueAsBytes(root).length;
    last.put("name", "n".repeat(missing));
    byte[] bytes = MAPPER.writeValueAsBytes(root);
    assertEquals(size, bytes.length);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------ statuses

  @Test
  void validateWhenKeystoneAnswers431ThenInvalidNotAnOutage() throws Exception {
    KeystoneClient client = client();
    client.validate(AuthToken.of("gAAAAAlogin"), deadline()); // logs in first
    keystone.fault(Fault.status(431));

    TokenValidation answer = client.validate(AuthToken.of("gAAAAA" + "x".repeat(8000)), deadline());

    assertInstanceOf(TokenValidation.Invalid.class, answer);
  }

  // ------------------------------------------------------------------ through the filter

  /** Two hostile-or-good fake sites, the filter in front of an app that reports what it saw. */
  @org.junit.jupiter.api.Nested
  class ThroughTheFilter {
    private final HttpClient client =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FakeKeystone second;
    private Server server;
    private URI base;

    @BeforeEach
    void startSecond() throws Exception {
      second = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
      server = new Server();
      ServerConnector connector = new ServerConnector(server);
      connector.setHost("127.0.0.1");
      server.addConnector(connector);
      ServletContextHandler context = new ServletContextHandler("/");
      FilterHolder filter = new FilterHolder(KeystoneAuthFilter.class);
      filter.setInitParameter("auth_url", keystone.uri() + "," + second.uri());
      filter.setInitParameter("username", "svc");
      filter.setInitParameter("password", "svc-pass");
      filter.setInitParameter("project_name", "service");
      filter.setInitParameter("failover_failure_threshold", "100");
      context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
      context.addServlet(new ServletHolder(new NamesApp()), "/*");
      server.setHandler(context);
      server.start();
      base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    @AfterEach
    void stopSecond() throws Exception {
      server.stop();
      second.close();
    }

    private HttpResponse<String> get(String token) throws Exception {
      return client.send(
          HttpRequest.newBuilder(base.resolve("/app"))
              .timeout(Duration.ofSeconds(30))
              .header("X-Auth-Token", token)
              .header("Accept", "application/json")
              .build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "/token/user/name | \"alice\\r\\nX-Roles: admin\"",
          "/token/system | {\"all\":\"true\"}",
          "/token/roles | \"admin\"",
          "/token/expires_at | \"tomorrow\"",
        })
    void requestWhenFirstSiteAnswersHostile200ThenSecondSitesIdentityOnly(
        String pointer, String value) throws Exception {
      KeystoneTokenFixture truth =
          KeystoneTokenFixture.create()
              .userName("bob")
              .roles("reader")
              .expiresIn(Duration.ofHours(1));
      String token = keystone.issue(truth);
      second.register(token, truth);
      keystone.fault(Fault.body(with(truth.toJson(), pointer, value)));

      HttpResponse<String> response = get(token);

      assertEquals(200, response.statusCode());
      assertEquals("user=bob roles=reader system=null", response.body());
      assertEquals(1, second.validations());
    }

    @Test
    void requestWhenEverySiteAnswersGarbage200Then503WithRetryAfter() throws Exception {
      keystone.fault(Fault.body(""));
      second.fault(Fault.body("{\"token\":{\"user\":{\"id\":\"u\"}"));

      HttpResponse<String> response = get("gAAAAA" + KeystoneTokenFixture.hex());

      assertEquals(503, response.statusCode());
      assertTrue(response.headers().firstValue("Retry-After").isPresent());
    }

    @Test
    void requestWhenKeystoneSays200ButExpiresAtIsPastThen401() throws Exception {
      String token = keystone.issue(KeystoneTokenFixture.create().expiresIn(Duration.ofHours(1)));
      keystone.fault(
          Fault.body(
              with(
                  "/token/expires_at",
                  "\"" + KeystoneTokenFixture.timestamp(Instant.now().minusSeconds(60)) + "\"")));

      assertEquals(401, get(token).statusCode());
      assertEquals(401, get(token).statusCode(), "nor from the cache");
    }

    @Test
    void requestWhenUserNameIsNonAsciiThenAppGetsExactlyThatString() throws Exception {
      String name = "Jos\u00e9 \u6771\u4eac \ud83d\ude80";
      String token =
          keystone.issue(
              KeystoneTokenFixture.create()
                  .userName(name)
                  .roles("reader")
                  .expiresIn(Duration.ofHours(1)));

      HttpResponse<String> response = get(token);

      assertEquals(200, response.statusCode());
      assertEquals("user=" + name + " roles=reader system=null", response.body());
    }
  }

  /** Answers "user=… roles=… system=…" from the identity headers it sees, in UTF-8. */
  private static final class NamesApp extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      response.setContentType("text/plain;charset=UTF-8");
      response
          .getWriter()
          .write(
              "user="
                  + request.getHeader("X-User-Name")
                  + " roles="
                  + request.getHeader("X-Roles")
                  + " system="
                  + request.getHeader("OpenStack-System-Scope"));
    }
  }
}
