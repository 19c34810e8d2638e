package io.github.keystoneauthfilter.internal.keystone;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.keystoneauthfilter.config.Credentials;
import io.github.keystoneauthfilter.internal.endpoint.Deadline;
import io.github.keystoneauthfilter.internal.endpoint.Endpoint;
import io.github.keystoneauthfilter.internal.endpoint.EndpointFailureException;
import io.github.keystoneauthfilter.internal.endpoint.EndpointFailureException.Kind;
import io.github.keystoneauthfilter.internal.keystone.ServiceTokenProvider.ServiceToken;
import io.github.keystoneauthfilter.internal.keystone.TokenResponseParser.TokenParseException;
import io.github.keystoneauthfilter.internal.log.LogThrottle;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.glassfish.jersey.client.ClientProperties;
import org.jspecify.annotations.Nullable;

/**
 * One Keystone endpoint: logs in as the service user there and validates tokens there with {@code
 * GET /v3/auth/tokens}, mapping each answer as DESIGN.md §2 says.
 *
 * <table>
 *   <caption>Validation answers</caption>
 *   <tr><th>Keystone</th><th>result</th></tr>
 *   <tr><td>200 with a usable token body</td><td>valid</td></tr>
 *   <tr><td>404; 431 (the token is too long for that Keystone's header limit); 400 (Apache or
 *       nginx in front of Keystone refuse an oversized or malformed {@code X-Subject-Token} so)</td>
 *       <td>invalid</td></tr>
 *   <tr><td>401</td><td>our service token expired: log in again and ask once more; a second 401
 *       is a misconfiguration</td></tr>
 *   <tr><td>403</td><td>misconfiguration (logged loudly, not an outage)</td></tr>
 *   <tr><td>408, 413, 429, 5xx, other statuses, unusable 200, I/O error, timeout, a call cut off
 *       at its time limit</td>
 *       <td>endpoint failure</td></tr>
 * </table>
 *
 * <table>
 *   <caption>Service login answers</caption>
 *   <tr><th>Keystone</th><th>result</th></tr>
 *   <tr><td>201 (or 200) with {@code X-Subject-Token} and a usable body</td>
 *       <td>the service token</td></tr>
 *   <tr><td>400, 401, 403</td><td>misconfiguration (logged loudly, not an outage)</td></tr>
 *   <tr><td>other statuses, no token, unusable body, I/O error, timeout, cut off</td>
 *       <td>endpoint failure</td></tr>
 * </table>
 *
 * <p>Every call (pool wait, connect, send and the whole answer) ends within {@code connectTimeout +
 * requestTimeout} and within the request's {@link Deadline}, the service login inside a validation
 * included: a call still running then is cut off and its connection discarded.
 */
public final class KeystoneClient implements Endpoint {
  private static final System.Logger LOG = System.getLogger(KeystoneClient.class.getName());

  /** The longest Keystone answer read; a longer one is an endpoint failure. */
  static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

  /** Parses of a canned answer at start ({@link #warmUpParser}). */
  static final int WARM_UP_PARSES = 20;

  private final URI root;
  private final URI loginUri;
  // Built once: a target per call would copy the client's configuration each time.
  private final WebTarget validateTarget;
  private final WebTarget validateAllowExpiredTarget;
  private final Client http;
  private final TokenResponseParser parser;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final Duration callLimit;
  private final CallWatchdog watchdog;
  private final Clock clock;
  private final byte[] loginBody;
  private final ServiceTokenProvider serviceTokens;
  private final boolean keepBody;
  private final LogThrottle misconfigurationLog = new LogThrottle(Duration.ofMinutes(1));

  /**
   * Creates a client for one endpoint.
   *
   * @param root the endpoint's root, e.g. {@code http://keystone:5000} (without {@code /v3})
   * @param http the shared HTTP client, made by {@link KeystoneHttp#create}
   * @param mapper the JSON mapper
   * @param credentials the service user
   * @param includeCatalog whether to ask for the catalog (else {@code ?nocatalog})
   * @param connectTimeout the longest a connection attempt (or the wait for a pooled connection)
   *     may take
   * @param requestTimeout the longest to wait for an answer; one call as a whole (pool wait,
   *     connect, send, the answer to its last byte) takes at most {@code connectTimeout +
   *     requestTimeout}, and never past the request's deadline
   * @param clock the time source for service-token renewal
   * @throws IllegalArgumentException if {@code http} was not made by {@link KeystoneHttp#create}
   */
  public KeystoneClient(
      URI root,
      Client http,
      ObjectMapper mapper,
      Credentials credentials,
      boolean includeCatalog,
      Duration connectTimeout,
      Duration requestTimeout,
      Clock clock) {
    this(
        root,
        http,
        mapper,
        credentials,
        includeCatalog,
        connectTimeout,
        requestTimeout,
        clock,
        false);
  }

  /**
   * Creates a client for one endpoint that may hand on Keystone's answers as they came.
   *
   * @param keepBody whether a valid answer carries Keystone's body ({@link
   *     TokenValidation.Valid#body()}), for the shared cache in keystonemiddleware's format; the
   *     other parameters as in {@link #KeystoneClient(URI, Client, ObjectMapper, Credentials,
   *     boolean, Duration, Duration, Clock)}
   */
  public KeystoneClient(
      URI root,
      Client http,
      ObjectMapper mapper,
      Credentials credentials,
      boolean includeCatalog,
      Duration connectTimeout,
      Duration requestTimeout,
      Clock clock,
      boolean keepBody) {
    this.keepBody = keepBody;
    this.root = root;
    String tokens = root + "/v3/auth/tokens";
    URI validateUri = URI.create(includeCatalog ? tokens : tokens + "?nocatalog");
    URI validateAllowExpiredUri =
        URI.create(
            includeCatalog ? tokens + "?allow_expired=1" : tokens + "?nocatalog&allow_expired=1");
    this.loginUri = URI.create(tokens + "?nocatalog");
    this.http = http;
    this.validateTarget = http.target(validateUri);
    this.validateAllowExpiredTarget = http.target(validateAllowExpiredUri);
    this.parser = new TokenResponseParser(mapper, includeCatalog);
    this.connectTimeout = connectTimeout;
    this.requestTimeout = requestTimeout;
    this.callLimit = connectTimeout.plus(requestTimeout);
    this.watchdog = KeystoneHttp.watchdog(http);
    this.clock = clock;
    this.loginBody = LoginBody.of(credentials, mapper);
    this.serviceTokens = new ServiceTokenProvider(root, this::login, clock);
  }

  /**
   * Logs in now unless a usable service token is held already: done once per endpoint at start, so
   * that the first validation (often a hedge or a failover to a site not asked before) pays no
   * login and finds the HTTP and JSON paths loaded. A failure here is only logged: the breaker does
   * not count it, and validations log in as usual.
   */
  public void logInAhead(Deadline deadline) throws EndpointFailureException {
    serviceTokens.get(deadline);
  }

  /**
   * Runs the JSON path (parsing a canned validation answer, catalog included) a few times, so that
   * the first miss after start does not pay its class loading and first-use set-up. Local work
   * only, for the start-up thread: nothing is sent, cached or counted.
   *
   * @param mapper the JSON mapper the clients use
   */
  public static void warmUpParser(ObjectMapper mapper) {
    TokenResponseParser.warmUp(mapper, WARM_UP_PARSES);
  }

  @Override
  public URI uri() {
    return root;
  }

  @Override
  public TokenValidation validate(AuthToken token, Deadline deadline)
      throws EndpointFailureException {
    WebTarget uri = token.allowExpired() ? validateAllowExpiredTarget : validateTarget;
    ServiceToken serviceToken = serviceTokens.get(deadline);
    Answer answer = call(validation(uri, serviceToken, token), deadline, "validation");
    if (answer.status() == 401) {
      // Our service token expired or was revoked: log in again and ask once more.
      serviceTokens.invalidate(serviceToken);
      serviceToken = serviceTokens.get(deadline);
      answer = call(validation(uri, serviceToken, token), deadline, "validation");
      if (answer.status() == 401) {
        throw misconfigured(
            "rejected a freshly issued service token (401); check the service user's credentials");
      }
    }
    return switch (answer.status()) {
      case 200 -> {
        try {
          byte[] body = answer.body();
          yield new TokenValidation.Valid(
              parser.parse(body), null, keepBody ? new TokenValidation.KeystoneBody(body) : null);
        } catch (TokenParseException e) {
          throw new EndpointFailureException(
              Kind.UNAVAILABLE,
              root,
              "answered 200 with an unusable token body: " + e.getMessage());
        }
      }
      case 404 -> new TokenValidation.Invalid("Keystone does not know the token (404)");
      // Our other headers are small: the subject token is too long for this Keystone (or its
      // proxy) to take, so no answer will ever be "valid". Not an outage: a flood of long
      // tokens must not open the breaker.
      case 431 -> new TokenValidation.Invalid("Keystone refused the token as too large (431)");
      // Our request is well formed (the service login with the same headers worked): Apache or
      // nginx in front of Keystone answer 400 to an X-Subject-Token they will not take (too long
      // for their header limit). An invalid token, not a misconfiguration nor an outage.
      case 400 -> new TokenValidation.Invalid("Keystone refused the token as malformed (400)");
      case 403 ->
          throw misconfigured(
              "refused to validate tokens for our service user ("
                  + answer.status()
                  + "); give it a role that may validate tokens, e.g. 'service'");
      default ->
          throw new EndpointFailureException(
              Kind.UNAVAILABLE, root, "answered HTTP " + answer.status() + " to a validation");
    };
  }

  private static Invocation validation(
      WebTarget target, ServiceToken serviceToken, AuthToken token) {
    return target
        .request(MediaType.APPLICATION_JSON_TYPE)
        .header("X-Auth-Token", serviceToken.value())
        .header("X-Subject-Token", token.value())
        // We check application-credential access rules ourselves (AccessRules), as
        // keystonemiddleware does; without this header Keystone refuses (404) every token whose
        // application credential has access rules.
        .header("OpenStack-Identity-Access-Rules", "1")
        .buildGet();
  }

  /** Logs in with the service credentials: {@code POST /v3/auth/tokens}. */
  private ServiceToken login(Deadline deadline) throws EndpointFailureException {
    Invocation post =
        http.target(loginUri)
            .request(MediaType.APPLICATION_JSON_TYPE)
            .buildPost(Entity.entity(loginBody, MediaType.APPLICATION_JSON_TYPE));
    Answer answer = call(post, deadline, "service login");
    if (answer.status() == 401 || answer.status() == 400 || answer.status() == 403) {
      throw misconfigured(
          "refused our service login ("
              + answer.status()
              + "); check username, password, project and domains");
    }
    if (answer.status() != 201 && answer.status() != 200) {
      throw new EndpointFailureException(
          Kind.UNAVAILABLE, root, "answered HTTP " + answer.status() + " to the service login");
    }
    String value = answer.subjectToken();
    if (value == null || value.isBlank()) {
      throw new EndpointFailureException(
          Kind.UNAVAILABLE, root, "service login answered without an X-Subject-Token header");
    }
    Instant expiresAt;
    try {
      expiresAt = parser.expiresAt(answer.body());
    } catch (TokenParseException e) {
      throw new EndpointFailureException(
          Kind.UNAVAILABLE, root, "service login answered an unusable body: " + e.getMessage());
    }
    return new ServiceToken(value, ServiceTokenProvider.renewAt(clock.instant(), expiresAt));
  }

  /**
   * Makes one HTTP call, held as a whole (pool wait, connect, send, the answer to its last byte) to
   * {@code http_connect_timeout + http_request_timeout} and to the request's deadline, whichever
   * comes first. An answer given up on is aborted (its connection discarded), never drained.
   */
  private Answer call(Invocation invocation, Deadline deadline, String what)
      throws EndpointFailureException {
    if (deadline.isExpired()) {
      throw new EndpointFailureException(
          Kind.UNAVAILABLE, root, what + " not sent: request deadline passed");
    }
    invocation
        .property(ClientProperties.CONNECT_TIMEOUT, millis(deadline.cap(connectTimeout)))
        .property(ClientProperties.READ_TIMEOUT, millis(deadline.cap(requestTimeout)));
    try (CallWatchdog.Call call = watchdog.watch(callLimit, deadline.remaining())) {
      Response response;
      try {
        response = invocation.invoke();
      } catch (ProcessingException e) {
        HttpLogGuard.SecretsWouldBeLoggedException refused = HttpLogGuard.refusal(e);
        if (refused != null) {
          throw misconfigured(what + " not sent: " + refused.getMessage());
        }
        throw failure(what, call, e);
      }
      boolean complete = false;
      try {
        byte[] body = readBounded(response);
        if (call.timedOut()) {
          throw new IOException("answer not complete in time");
        }
        Answer answer =
            new Answer(response.getStatus(), response.getHeaderString("X-Subject-Token"), body);
        complete = true;
        return answer;
      } catch (IOException | ProcessingException e) {
        throw failure(what, call, e);
      } finally {
        if (!complete) {
          call.abort(); // before closing: closing a half-read answer would drain the rest
        }
        close(response);
      }
    }
  }

  private EndpointFailureException failure(String what, CallWatchdog.Call call, Exception e) {
    if (call.timedOut()) {
      return new EndpointFailureException(
          Kind.UNAVAILABLE,
          root,
          what
              + " cut off: no complete answer "
              + (call.cutByDeadline()
                  ? "before the request's failover_deadline"
                  : "within http_connect_timeout + http_request_timeout ("
                      + callLimit.toMillis()
                      + " ms)"),
          e);
    }
    return new EndpointFailureException(
        Kind.UNAVAILABLE, root, what + " failed: " + describe(e), e);
  }

  private static void close(Response response) {
    try {
      response.close();
    } catch (ProcessingException e) {
      // The answer was read (or given up on) already; a failed release only loses a connection.
    }
  }

  private static byte[] readBounded(Response response) throws IOException {
    if (!response.hasEntity()) {
      return new byte[0];
    }
    InputStream in = response.readEntity(InputStream.class);
    byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
    if (body.length > MAX_BODY_BYTES) {
      throw new IOException("answer longer than " + MAX_BODY_BYTES + " bytes");
    }
    return body;
  }

  private EndpointFailureException misconfigured(String what) {
    if (misconfigurationLog.allow()) {
      LOG.log(
          Level.ERROR,
          "Keystone endpoint {0} {1}. This is a configuration problem, not an outage;"
              + " requests get 503 until it is fixed (logged at most once a minute).",
          root,
          what);
    }
    return new EndpointFailureException(Kind.MISCONFIGURED, root, what);
  }

  private static int millis(Duration timeout) {
    // 0 means "no timeout" to the HTTP client: never send less than 1 ms.
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
  }

  private static String describe(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    return cause.getClass().getSimpleName() + (message == null ? "" : " (" + message + ")");
  }

  /** What an endpoint answered. */
  @SuppressWarnings("ArrayRecordComponent") // read once, never compared, hashed or printed
  private record Answer(int status, @Nullable String subjectToken, byte[] body) {}
}
