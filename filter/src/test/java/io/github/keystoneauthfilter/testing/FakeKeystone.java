package io.github.keystoneauthfilter.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;

/**
 * An embedded Keystone v3 that speaks real HTTP on 127.0.0.1 (ephemeral port), for tests of the
 * filter's Keystone client: service logins ({@code POST /v3/auth/tokens}, password or application
 * credential), token validation ({@code GET /v3/auth/tokens}), a version document ({@code GET
 * /v3}), faults switchable at runtime ({@link Fault}) and a record of every request received.
 *
 * <p>Keystone semantics kept: validation needs a valid service token in {@code X-Auth-Token} (else
 * 401); unknown, revoked or expired subject tokens are 404 with Keystone's JSON error body; {@code
 * ?allow_expired=1} lets expired (not revoked) tokens through; {@code ?nocatalog} drops the
 * catalog; the subject token is echoed in {@code X-Subject-Token}. Users, projects and application
 * credentials live in the {@code Default} domain (id {@code default}). Time comes from the {@link
 * Clock} given to {@link #start(Clock)}.
 *
 * <p>Thread-safe. {@link #close()} never waits for requests parked by {@link Fault#hang()}.
 */
public final class FakeKeystone implements AutoCloseable {
  /** The id of the only domain service users live in. */
  public static final String DEFAULT_DOMAIN_ID = "default";

  /** The name of the only domain service users live in. */
  public static final String DEFAULT_DOMAIN_NAME = "Default";

  /** The path of login and validation. */
  public static final String TOKENS_PATH = "/v3/auth/tokens";

  /** The longest a request waits under {@link Fault#hang()}; then it gets 504. */
  public static final Duration MAX_HANG = Duration.ofSeconds(60);

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The fault in force, and the latch that releases requests parked by it. */
  private record FaultState(Fault fault, CountDownLatch released) {}

  /** A user that may log in with a password, scoped to its one project. */
  private record ServiceUser(
      String id, String name, String password, String projectId, String projectName) {}

  /** An application credential, owned by a user and bound to a project. */
  private record AppCredential(
      String id,
      String name,
      String secret,
      String userId,
      String userName,
      String projectId,
      String projectName) {}

  /** A token this server answers for: a snapshot of the fixture it was registered with. */
  private record Registered(ObjectNode body, Instant expiresAt) {}

  private final Clock clock;
  private final Server server;
  private final ServerConnector connector;
  private final int port;
  private final URI uri;

  private final Map<String, ServiceUser> usersByName = new ConcurrentHashMap<>();
  private final Map<String, AppCredential> credentialsById = new ConcurrentHashMap<>();
  private final Map<String, Registered> tokens = new ConcurrentHashMap<>();
  private final Set<String> revoked = ConcurrentHashMap.newKeySet();
  private final Map<String, Instant> serviceTokens = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<RecordedRequest> recorded = new ConcurrentLinkedQueue<>();

  private volatile Duration serviceTokenLifetime = Duration.ofHours(1);
  private volatile boolean faultLogin = true;
  private volatile FaultState faultState = new FaultState(Fault.none(), new CountDownLatch(1));
  private volatile boolean closing;
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicInteger validating = new AtomicInteger();
  private final AtomicInteger maxValidating = new AtomicInteger();
  private final CountDownLatch closed = new CountDownLatch(1);

  private FakeKeystone(Clock clock, SslContextFactory.@Nullable Server tls) throws Exception {
    this.clock = clock;
    QueuedThreadPool threads = new QueuedThreadPool(256, 8);
    threads.setName("fake-keystone");
    threads.setDaemon(true);
    threads.setStopTimeout(2_000);
    this.server = new Server(threads);
    server.setStopTimeout(0); // no graceful wait for open (keep-alive) connections
    this.connector = tls == null ? new ServerConnector(server) : new ServerConnector(server, tls);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    // Longer than MAX_HANG, so a hanging request is not cut short by the connection's idle timeout.
    connector.setIdleTimeout(MAX_HANG.plusSeconds(30).toMillis());
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    context.addServlet(new ServletHolder(new KeystoneServlet()), "/*");
    server.setHandler(context);
    server.start();
    this.port = connector.getLocalPort();
    // A connector restarted after Fault.refuse() binds the same port again.
    connector.setPort(port);
    this.uri = URI.create((tls == null ? "http" : "https") + "://127.0.0.1:" + port);
  }

  /** Starts a fake Keystone on the system UTC clock. */
  public static FakeKeystone start() {
    return start(Clock.systemUTC());
  }

  /** Starts a fake Keystone whose notion of now (issuing, expiry) is {@code clock}. */
  public static FakeKeystone start(Clock clock) {
    try {
      return new FakeKeystone(clock, null);
    } catch (Exception e) {
      throw new IllegalStateException("could not start the fake Keystone", e);
    }
  }

  /**
   * Starts a fake Keystone speaking HTTPS with the key and certificate in a PKCS#12 key store; when
   * {@code clientCas} is given, clients must present a certificate signed by one of them.
   */
  public static FakeKeystone startTls(
      java.nio.file.Path keyStore, String password, java.nio.file.@Nullable Path clientCas) {
    SslContextFactory.Server tls = new SslContextFactory.Server();
    tls.setKeyStorePath(keyStore.toString());
    tls.setKeyStorePassword(password);
    tls.setKeyStoreType("PKCS12");
    if (clientCas != null) {
      tls.setTrustStorePath(clientCas.toString());
      tls.setTrustStorePassword(password);
      tls.setTrustStoreType("PKCS12");
      tls.setNeedClientAuth(true);
    }
    try {
      return new FakeKeystone(Clock.systemUTC(), tls);
    } catch (Exception e) {
      throw new IllegalStateException("could not start the fake Keystone over TLS", e);
    }
  }

  /** {@code http://127.0.0.1:PORT} (or https), without a trailing slash. */
  public URI uri() {
    return uri;
  }

  /** The port it listens on (the same after {@link Fault#refuse()} is cleared). */
  public int port() {
    return port;
  }

  /** Stops the server; requests parked by {@link Fault#hang()} are released first. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (closing) {
        return;
      }
      closing = true;
    }
    closed.countDown();
    faultState.released().countDown();
    // Let released requests get their 503 out before the connections go (bounded).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (active.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("could not stop the fake Keystone", e);
    }
  }

  // ---------------------------------------------------------------- identities

  /**
   * Adds a user (domain {@code Default}) that may log in with this password, scoped to its project
   * (also in {@code Default}; requesting no scope gets that project too).
   */
  public FakeKeystone addServiceUser(String name, String password, String projectName) {
    usersByName.put(
        name,
        new ServiceUser(
            KeystoneTokenFixture.hex(), name, password, KeystoneTokenFixture.hex(), projectName));
    return this;
  }

  /**
   * Adds an application credential owned by a user named {@code appcred-owner}, bound to project
   * {@code service}.
   */
  public FakeKeystone addApplicationCredential(String id, String name, String secret) {
    return addApplicationCredential(id, name, secret, "appcred-owner");
  }

  /**
   * Adds an application credential owned by {@code userName} (domain {@code Default}), bound to
   * project {@code service}. It logs in by {@code {id, secret}} or by {@code {name, secret, user:
   * {name, domain} | {id}}}.
   */
  public FakeKeystone addApplicationCredential(
      String id, String name, String secret, String userName) {
    ServiceUser owner = usersByName.get(userName);
    String userId = owner != null ? owner.id() : KeystoneTokenFixture.hex();
    credentialsById.put(
        id,
        new AppCredential(
            id, name, secret, userId, userName, KeystoneTokenFixture.hex(), "service"));
    return this;
  }

  /** How long service tokens issued from now on live (default one hour). */
  public FakeKeystone serviceTokenLifetime(Duration lifetime) {
    this.serviceTokenLifetime = lifetime;
    return this;
  }

  /** Invalidates every service token issued so far: validations with them get 401. */
  public void expireServiceTokens() {
    for (String token : serviceTokens.keySet()) {
      serviceTokens.remove(token);
      tokens.remove(token);
    }
  }

  /** The service tokens currently valid (issued by a login, not expired). */
  public Set<String> serviceTokens() {
    Instant now = clock.instant();
    Set<String> valid = new HashSet<>();
    serviceTokens.forEach(
        (token, expiresAt) -> {
          if (expiresAt.isAfter(now) && !revoked.contains(token)) {
            valid.add(token);
          }
        });
    return Collections.unmodifiableSet(valid);
  }

  // ---------------------------------------------------------------- user tokens

  /** Registers the fixture under a new random Fernet-like token (180 URL-safe characters). */
  public String issue(KeystoneTokenFixture fixture) {
    String token = newToken();
    register(token, fixture);
    return token;
  }

  /**
   * Answers validations of {@code token} with a snapshot of {@code fixture} (later changes to the
   * fixture are not seen). Replaces any earlier registration and un-revokes.
   */
  public void register(String token, KeystoneTokenFixture fixture) {
    tokens.put(token, new Registered(fixture.toJson(), fixture.expiresAt()));
    revoked.remove(token);
  }

  /** Validations of {@code token} get 404 from now on, even with {@code allow_expired}. */
  public void revoke(String token) {
    revoked.add(token);
  }

  // ---------------------------------------------------------------- faults

  /**
   * Applies {@code fault} to every request received from now on ({@link Fault#none()} clears).
   * Requests parked by a previous {@link Fault#hang()} are released and answered as the new fault
   * says.
   *
   * @throws IllegalStateException if the connector cannot be stopped or restarted
   */
  public synchronized void fault(Fault fault) {
    FaultState old = faultState;
    boolean wasRefusing = old.fault() instanceof Fault.Refuse;
    boolean refuse = fault instanceof Fault.Refuse;
    if (refuse && !wasRefusing && !closing) {
      lifecycle(true);
    } else if (!refuse && wasRefusing && !closing) {
      lifecycle(false);
    }
    faultState = new FaultState(fault, new CountDownLatch(1));
    old.released().countDown();
  }

  /** The fault in force. */
  public Fault fault() {
    return faultState.fault();
  }

  /**
   * Whether faults also hit service logins ({@code POST}), default true; false lets logins through
   * normally while validations suffer.
   */
  public void faultLogin(boolean value) {
    this.faultLogin = value;
  }

  private void lifecycle(boolean stop) {
    try {
      if (stop) {
        connector.stop();
      } else {
        connector.start();
      }
    } catch (Exception e) {
      throw new IllegalStateException(
          "could not " + (stop ? "stop" : "restart") + " the connector on port " + port, e);
    }
  }

  // ---------------------------------------------------------------- recording

  /** Every request received since start or {@link #clearRecorded()}, in arrival order. */
  public List<RecordedRequest> requests() {
    return List.copyOf(recorded);
  }

  /** How many {@code GET /v3/auth/tokens} were received (whatever they were answered). */
  public int validations() {
    return count("GET");
  }

  /** How many {@code POST /v3/auth/tokens} (logins) were received. */
  public int logins() {
    return count("POST");
  }

  /** Forgets the requests received so far, and the highest number of validations at once. */
  public void clearRecorded() {
    recorded.clear();
    maxValidating.set(validating.get());
  }

  /**
   * The most {@code GET /v3/auth/tokens} this server was handling at the same moment (faults such
   * as {@link Fault#delay(Duration)} included), since start or {@link #clearRecorded()}.
   */
  public int maxConcurrentValidations() {
    return maxValidating.get();
  }

  private int count(String method) {
    int n = 0;
    for (RecordedRequest r : recorded) {
      if (r.method().equals(method) && r.path().equals(TOKENS_PATH)) {
        n++;
      }
    }
    return n;
  }

  // ---------------------------------------------------------------- HTTP

  /** The one servlet: records, applies the fault, then plays Keystone. */
  private final class KeystoneServlet extends HttpServlet {
    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      active.incrementAndGet();
      boolean validation = req.getMethod().equals("GET") && req.getRequestURI().equals(TOKENS_PATH);
      if (validation) {
        maxValidating.accumulateAndGet(validating.incrementAndGet(), Math::max);
      }
      try {
        RecordedRequest request = record(req);
        recorded.add(request);
        answer(request, resp);
        resp.flushBuffer();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        error(resp, 503, "interrupted");
      } finally {
        if (validation) {
          validating.decrementAndGet();
        }
        active.decrementAndGet();
      }
    }
  }

  private RecordedRequest record(HttpServletRequest req) throws IOException {
    String body = new String(req.getInputStream().readAllBytes(), UTF_8);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String name : Collections.list(req.getHeaderNames())) {
      headers.put(name, Collections.list(req.getHeaders(name)));
    }
    return new RecordedRequest(
        req.getMethod(), req.getRequestURI(), req.getQueryString(), headers, body, clock.instant());
  }

  private void answer(RecordedRequest request, HttpServletResponse resp)
      throws IOException, InterruptedException {
    boolean login = request.method().equals("POST");
    long deadline = System.nanoTime() + MAX_HANG.toNanos();
    while (true) {
      if (closing) {
        error(resp, 503, "the fake Keystone is closing");
        return;
      }
      FaultState state = faultState;
      Fault fault = login && !faultLogin ? Fault.none() : state.fault();
      if (fault instanceof Fault.Hang) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !state.released().await(left, TimeUnit.NANOSECONDS)) {
          error(resp, 504, "fault: hung for " + MAX_HANG);
          return;
        }
        continue; // released: answer as the fault now in force says
      }
      if (fault instanceof Fault.Status status) {
        error(resp, status.code(), "fault: status " + status.code());
      } else if (fault instanceof Fault.Body replaced) {
        route(request, resp, replaced.json());
      } else if (fault instanceof Fault.Trickle trickle) {
        trickle(request, resp, trickle.interval());
      } else if (fault instanceof Fault.Delay delay) {
        if (closed.await(delay.delay().toNanos(), TimeUnit.NANOSECONDS)) {
          error(resp, 503, "the fake Keystone is closing");
        } else {
          route(request, resp, null);
        }
      } else {
        route(request, resp, null); // none, or refuse racing a request already accepted
      }
      return;
    }
  }

  /**
   * Plays Keystone, but sends the body a byte at a time (see {@link Fault#trickle(Duration)});
   * stops when the client goes away or the server closes.
   */
  private void trickle(RecordedRequest request, HttpServletResponse resp, Duration interval)
      throws IOException, InterruptedException {
    BufferedResponse buffered = new BufferedResponse(resp);
    route(request, buffered, null);
    byte[] body = buffered.body.toByteArray();
    resp.setContentLength(body.length);
    ServletOutputStream out = resp.getOutputStream();
    resp.flushBuffer(); // status and headers now
    long end = System.nanoTime() + MAX_HANG.toNanos();
    for (int i = 0; i < body.length; i++) {
      if (System.nanoTime() - end >= 0) {
        out.write(body, i, body.length - i);
        break;
      }
      try {
        out.write(body[i]);
        out.flush();
      } catch (IOException clientWentAway) {
        return; // e.g. the client cut the call off: nothing more to send
      }
      if (closed.await(interval.toNanos(), TimeUnit.NANOSECONDS)) {
        return; // closing: the connection goes with the server
      }
    }
  }

  /** Keeps the body written to a response, passing status and headers through. */
  private static final class BufferedResponse extends HttpServletResponseWrapper {
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    BufferedResponse(HttpServletResponse response) {
      super(response);
    }

    @Override
    public ServletOutputStream getOutputStream() {
      return new ServletOutputStream() {
        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
          throw new UnsupportedOperationException("blocking only");
        }

        @Override
        public void write(int b) {
          body.write(b);
        }
      };
    }

    @Override
    public void setContentLength(int length) {
      // set from the buffered body when it is sent
    }
  }

  /** Plays Keystone; a non-null {@code replacement} replaces the body of a would-be success. */
  private void route(
      RecordedRequest request, HttpServletResponse resp, @Nullable String replacement)
      throws IOException {
    String path = request.path();
    String method = request.method();
    if (path.equals(TOKENS_PATH)) {
      if (method.equals("POST")) {
        login(request, resp, replacement);
      } else if (method.equals("GET")) {
        if (replacement != null) {
          write(resp, 200, replacement);
        } else {
          validate(request, resp);
        }
      } else {
        error(resp, 405, "The method " + method + " is not allowed for the requested URL.");
      }
    } else if (method.equals("GET") && (path.equals("/v3") || path.equals("/v3/"))) {
      write(resp, 200, replacement != null ? replacement : json(versionDocument()));
    } else if (method.equals("GET") && path.equals("/")) {
      if (replacement != null) {
        write(resp, 200, replacement);
      } else {
        ObjectNode versions = MAPPER.createObjectNode();
        versions.putObject("versions").putArray("values").add(versionBody());
        write(resp, 300, json(versions));
      }
    } else {
      error(resp, 404, "The resource could not be found.");
    }
  }

  private void validate(RecordedRequest request, HttpServletResponse resp) throws IOException {
    if (!isValidServiceToken(request.header("X-Auth-Token"))) {
      unauthorized(resp);
      return;
    }
    String subject = request.header("X-Subject-Token");
    if (subject == null || subject.isEmpty()) {
      error(resp, 400, "Expecting to find X-Subject-Token in request headers.");
      return;
    }
    Registered registered = tokens.get(subject);
    if (registered == null) {
      error(resp, 404, "Could not recognize Fernet token");
      return;
    }
    boolean expired = !registered.expiresAt().isAfter(clock.instant());
    if (revoked.contains(subject) || (expired && !allowExpired(request))) {
      error(resp, 404, "Failed to validate token");
      return;
    }
    resp.setHeader("X-Subject-Token", subject);
    write(resp, 200, json(withoutCatalogIfAsked(request, registered.body())));
  }

  private void login(
      RecordedRequest request, HttpServletResponse resp, @Nullable String replacement)
      throws IOException {
    JsonNode root;
    try {
      root = MAPPER.readTree(request.body());
    } catch (JsonProcessingException e) {
      error(resp, 400, "Malformed JSON in request body.");
      return;
    }
    if (root == null || !root.path("auth").path("identity").isObject()) {
      error(resp, 400, "'auth' is a required property");
      return;
    }
    JsonNode identity = root.path("auth").path("identity");
    JsonNode scope = root.path("auth").path("scope");
    List<String> methods = texts(identity.path("methods"));
    KeystoneTokenFixture fixture;
    if (methods.contains("application_credential")) {
      fixture = credentialLogin(identity.path("application_credential"), scope);
    } else if (methods.contains("password")) {
      fixture = passwordLogin(identity.path("password").path("user"), scope);
    } else {
      fixture = null;
    }
    if (fixture == null) {
      unauthorized(resp);
      return;
    }
    Instant now = clock.instant();
    fixture.issuedAt(now).expiresAt(now.plus(serviceTokenLifetime)).roles("service");
    String token = newToken();
    register(token, fixture);
    serviceTokens.put(token, fixture.expiresAt());
    resp.setHeader("X-Subject-Token", token);
    write(
        resp,
        201,
        replacement != null ? replacement : json(withoutCatalogIfAsked(request, fixture.toJson())));
  }

  private @Nullable KeystoneTokenFixture passwordLogin(JsonNode user, JsonNode scope) {
    String password = user.path("password").asText(null);
    ServiceUser found = null;
    if (user.hasNonNull("id")) {
      String id = user.path("id").asText();
      found = usersByName.values().stream().filter(u -> u.id().equals(id)).findFirst().orElse(null);
    } else if (isDefaultDomain(user.path("domain"))) {
      found = usersByName.get(user.path("name").asText(""));
    }
    if (found == null || !found.password().equals(password)) {
      return null;
    }
    if (!scope.isMissingNode()
        && !isProject(scope.path("project"), found.projectId(), found.projectName())) {
      return null;
    }
    return new KeystoneTokenFixture()
        .methods("password")
        .user(found.id(), found.name())
        .userDomain(DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME)
        .project(found.projectId(), found.projectName())
        .projectDomain(DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME);
  }

  private @Nullable KeystoneTokenFixture credentialLogin(JsonNode credential, JsonNode scope) {
    if (!scope.isMissingNode()) {
      return null; // Keystone: an application credential cannot request a scope
    }
    String secret = credential.path("secret").asText(null);
    AppCredential found = null;
    if (credential.hasNonNull("id")) {
      found = credentialsById.get(credential.path("id").asText());
    } else {
      String name = credential.path("name").asText("");
      JsonNode user = credential.path("user");
      for (AppCredential c : credentialsById.values()) {
        boolean owner =
            user.hasNonNull("id")
                ? c.userId().equals(user.path("id").asText())
                : c.userName().equals(user.path("name").asText(""))
                    && isDefaultDomain(user.path("domain"));
        if (owner && c.name().equals(name)) {
          found = c;
          break;
        }
      }
    }
    if (found == null || !found.secret().equals(secret)) {
      return null;
    }
    return new KeystoneTokenFixture()
        .methods("application_credential")
        .user(found.userId(), found.userName())
        .userDomain(DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME)
        .project(found.projectId(), found.projectName())
        .projectDomain(DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME)
        .applicationCredential(found.id(), found.name());
  }

  private static boolean isProject(JsonNode project, String id, String name) {
    if (!project.isObject()) {
      return false;
    }
    if (project.hasNonNull("id")) {
      return project.path("id").asText().equals(id);
    }
    return project.path("name").asText("").equals(name) && isDefaultDomain(project.path("domain"));
  }

  private static boolean isDefaultDomain(JsonNode domain) {
    if (domain.hasNonNull("id")) {
      return domain.path("id").asText().equals(DEFAULT_DOMAIN_ID);
    }
    return domain.path("name").asText("").equals(DEFAULT_DOMAIN_NAME);
  }

  private boolean isValidServiceToken(@Nullable String token) {
    if (token == null) {
      return false;
    }
    Instant expiresAt = serviceTokens.get(token);
    return expiresAt != null && expiresAt.isAfter(clock.instant()) && !revoked.contains(token);
  }

  private static boolean allowExpired(RecordedRequest request) {
    String value = request.queryParameter("allow_expired");
    return value != null
        && Set.of("1", "true", "yes", "on", "y", "t").contains(value.toLowerCase(Locale.ROOT));
  }

  private static ObjectNode withoutCatalogIfAsked(RecordedRequest request, ObjectNode body) {
    ObjectNode copy = body.deepCopy();
    if (request.hasQueryParameter("nocatalog") && copy.get("token") instanceof ObjectNode token) {
      token.remove("catalog");
    }
    return copy;
  }

  private ObjectNode versionDocument() {
    ObjectNode root = MAPPER.createObjectNode();
    root.set("version", versionBody());
    return root;
  }

  private ObjectNode versionBody() {
    ObjectNode version = MAPPER.createObjectNode();
    version.put("id", "v3.14");
    version.put("status", "stable");
    version.put("updated", "2020-04-07T00:00:00Z");
    version.putArray("links").addObject().put("rel", "self").put("href", uri + "/v3/");
    version
        .putArray("media-types")
        .addObject()
        .put("base", "application/json")
        .put("type", "application/vnd.openstack.identity-v3+json");
    return version;
  }

  private void unauthorized(HttpServletResponse resp) throws IOException {
    resp.setHeader("WWW-Authenticate", "Keystone uri=\"" + uri + "\"");
    error(resp, 401, "The request you have made requires authentication.");
  }

  /** Keystone's error body: {@code {"error": {"code", "message", "title"}}}. */
  private static void error(HttpServletResponse resp, int code, String message) throws IOException {
    ObjectNode root = MAPPER.createObjectNode();
    root.putObject("error")
        .put("code", code)
        .put("message", message)
        .put("title", HttpStatus.getMessage(code));
    write(resp, code, json(root));
  }

  private static void write(HttpServletResponse resp, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(UTF_8);
    resp.setStatus(status);
    resp.setContentType("application/json");
    resp.setContentLength(bytes.length);
    resp.getOutputStream().write(bytes);
  }

  private static String json(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** A Fernet-like token: 135 bytes (version 0x80, zeros, random) in URL-safe base64, 180 chars. */
  private static String newToken() {
    byte[] bytes = new byte[135];
    ThreadLocalRandom.current().nextBytes(bytes);
    bytes[0] = (byte) 0x80;
    bytes[1] = 0;
    bytes[2] = 0;
    bytes[3] = 0;
    bytes[4] = 0;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
