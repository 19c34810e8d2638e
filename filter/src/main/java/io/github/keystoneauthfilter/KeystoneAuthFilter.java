package io.github.keystoneauthfilter;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.keystoneauthfilter.cache.TokenCache;
import io.github.keystoneauthfilter.endpoint.CircuitBreaker;
import io.github.keystoneauthfilter.endpoint.EndpointPool;
import io.github.keystoneauthfilter.headers.IdentityHeaders;
import io.github.keystoneauthfilter.headers.IdentityRequest;
import io.github.keystoneauthfilter.keystone.KeystoneClient;
import io.github.keystoneauthfilter.keystone.KeystoneHttp;
import io.github.keystoneauthfilter.keystone.ServiceCredentials;
import io.github.keystoneauthfilter.token.AuthToken;
import io.github.keystoneauthfilter.token.Identity;
import io.github.keystoneauthfilter.token.KeystoneUnavailableException;
import io.github.keystoneauthfilter.token.TokenValidation;
import io.github.keystoneauthfilter.token.TokenValidator;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.client.Client;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Filter} that lets a request through only with a Keystone token that one of an ordered
 * list of Keystone endpoints vouches for, as OpenStack's keystonemiddleware {@code auth_token} does
 * for WSGI apps.
 *
 * <p>Per request: strip every identity header the client sent; read {@code X-Auth-Token} (else
 * {@code X-Storage-Token}); validate it (cache, else the endpoints in order, each behind a circuit
 * breaker); then either pass the request on with the identity headers and the {@link Identity} as
 * the request attribute {@link #IDENTITY_ATTRIBUTE}, or answer 401 (invalid or missing token) or
 * 503 (no Keystone could answer). With {@code delay_auth_decision} it never answers itself: the
 * request passes with {@code X-Identity-Status: Invalid}.
 *
 * <p>Configure it with init-params (keystonemiddleware's option names, listed in the README) or
 * construct it with a {@link KeystoneAuthConfig}. On {@link #init} it puts itself in the servlet
 * context under {@link #CONTEXT_ATTRIBUTE}, so the application can read {@link
 * #endpointStatuses()}.
 */
public final class KeystoneAuthFilter implements Filter {
  /** Request attribute holding the validated {@link Identity}, when the token is valid. */
  public static final String IDENTITY_ATTRIBUTE = "io.github.keystoneauthfilter.identity";

  /** Servlet-context attribute holding the initialised filter. */
  public static final String CONTEXT_ATTRIBUTE = KeystoneAuthFilter.class.getName();

  /** The longest token accepted, in characters; longer ones get 401 without a Keystone call. */
  public static final int MAX_TOKEN_LENGTH = 8192;

  static final String AUTH_TOKEN = "X-Auth-Token";
  static final String STORAGE_TOKEN = "X-Storage-Token";

  private static final System.Logger LOG = System.getLogger(KeystoneAuthFilter.class.getName());
  private static final String FILTERED = KeystoneAuthFilter.class.getName() + ".filtered";
  private static final byte[] UNAUTHORIZED_BODY =
      ("{\"error\": {\"code\": 401, \"title\": \"Unauthorized\", \"message\":"
              + " \"The request you have made requires authentication.\"}}")
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] UNAVAILABLE_BODY =
      ("{\"error\": {\"code\": 503, \"title\": \"Service Unavailable\", \"message\":"
              + " \"The Keystone service is temporarily unavailable.\"}}")
          .getBytes(StandardCharsets.UTF_8);

  private @Nullable KeystoneAuthConfig config;
  private @Nullable Client http;
  private @Nullable EndpointPool pool;
  private @Nullable TokenValidator validator;
  private String wwwAuthenticate = "";

  /** For servlet containers: the configuration comes from init-params in {@link #init}. */
  public KeystoneAuthFilter() {}

  /** For programmatic use: init-params are then ignored. */
  public KeystoneAuthFilter(KeystoneAuthConfig config) {
    this.config = config;
  }

  @Override
  public void init(FilterConfig filterConfig) throws ServletException {
    KeystoneAuthConfig settings = config;
    if (settings == null) {
      Map<String, String> params = new LinkedHashMap<>();
      for (String name : Collections.list(filterConfig.getInitParameterNames())) {
        params.put(name, filterConfig.getInitParameter(name));
      }
      try {
        settings = InitParameters.parse(params).build();
      } catch (IllegalArgumentException e) {
        throw new ServletException(
            "KeystoneAuthFilter '" + filterConfig.getFilterName() + "': " + e.getMessage(), e);
      }
    }
    start(settings);
    filterConfig.getServletContext().setAttribute(CONTEXT_ATTRIBUTE, this);
  }

  /** Wires the stages once: cache, then the endpoint pool, then one client per endpoint. */
  private void start(KeystoneAuthConfig settings) {
    this.config = settings;
    ObjectMapper mapper = new ObjectMapper();
    Client client =
        KeystoneHttp.create(
            settings.maxConnectionsPerEndpoint(),
            settings.authUrls().size(),
            settings.httpConnectTimeout(),
            settings.httpRequestTimeout());
    ServiceCredentials credentials =
        new ServiceCredentials(
            settings.username(),
            settings.password(),
            settings.userDomainName(),
            settings.projectName(),
            settings.projectDomainName());
    List<EndpointPool.Member> members = new ArrayList<>();
    for (var url : settings.authUrls()) {
      KeystoneClient endpoint =
          new KeystoneClient(
              url,
              client,
              mapper,
              credentials,
              settings.includeServiceCatalog(),
              settings.httpConnectTimeout(),
              settings.httpRequestTimeout(),
              settings.clock());
      CircuitBreaker breaker =
          new CircuitBreaker(
              url,
              settings.failoverFailureThreshold(),
              settings.failoverOpen(),
              settings.failoverMaxOpen(),
              settings.clock(),
              () -> ThreadLocalRandom.current().nextDouble());
      members.add(new EndpointPool.Member(endpoint, breaker));
    }
    EndpointPool endpoints =
        new EndpointPool(
            members,
            settings.failoverDeadline(),
            settings.failoverOnNotFound(),
            settings.clock(),
            System::nanoTime);
    this.http = client;
    this.pool = endpoints;
    this.validator =
        new TokenCache(
            endpoints,
            settings.tokenCacheTime(),
            settings.tokenCacheMaxEntries(),
            settings.clock());
    this.wwwAuthenticate = "Keystone uri=\"" + settings.wwwAuthenticateUri() + "\"";
    LOG.log(
        Level.INFO,
        "KeystoneAuthFilter started: endpoints in order {0}, delay_auth_decision={1}",
        settings.authUrls(),
        settings.delayAuthDecision());
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    TokenValidator tokens = validator;
    if (tokens == null) {
      throw new ServletException("KeystoneAuthFilter used before init()");
    }
    if (!(req instanceof HttpServletRequest request)
        || !(res instanceof HttpServletResponse response)
        || req.getAttribute(FILTERED) != null) {
      chain.doFilter(req, res); // not HTTP, or already filtered on this request (forward, error)
      return;
    }
    request.setAttribute(FILTERED, Boolean.TRUE);

    AuthToken token = userToken(request);
    if (token == null) {
      refuse(request, response, chain);
      return;
    }
    TokenValidation validation;
    try {
      validation = tokens.validate(token);
    } catch (KeystoneUnavailableException e) {
      unavailable(request, response, chain, e);
      return;
    }
    if (validation instanceof TokenValidation.Valid valid) {
      request.setAttribute(IDENTITY_ATTRIBUTE, valid.identity());
      chain.doFilter(
          new IdentityRequest(request, IdentityHeaders.confirmed(valid.identity())), response);
    } else {
      LOG.log(
          Level.DEBUG,
          "token {0} refused: {1}",
          token.hashPrefix(),
          ((TokenValidation.Invalid) validation).reason());
      refuse(request, response, chain);
    }
  }

  /**
   * The user token: {@code X-Auth-Token}, else {@code X-Storage-Token}, trimmed. A present but
   * empty {@code X-Auth-Token} still hides {@code X-Storage-Token}, as in keystonemiddleware. A
   * token that cannot be one (too long, characters outside visible ASCII) counts as absent.
   */
  private static @Nullable AuthToken userToken(HttpServletRequest request) {
    String raw = request.getHeader(AUTH_TOKEN);
    if (raw == null) {
      raw = request.getHeader(STORAGE_TOKEN);
    }
    if (raw == null) {
      return null;
    }
    String trimmed = raw.strip();
    if (trimmed.isEmpty()) {
      return null;
    }
    if (trimmed.length() > MAX_TOKEN_LENGTH) {
      LOG.log(Level.DEBUG, "token refused: longer than {0} characters", MAX_TOKEN_LENGTH);
      return null;
    }
    for (int i = 0; i < trimmed.length(); i++) {
      char c = trimmed.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        LOG.log(Level.DEBUG, "token refused: it holds characters a Keystone token never has");
        return null;
      }
    }
    return AuthToken.of(trimmed);
  }

  /** No valid user token: 401, or pass on as Invalid with delay_auth_decision. */
  private void refuse(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (settings().delayAuthDecision()) {
      chain.doFilter(new IdentityRequest(request, IdentityHeaders.invalid()), response);
      return;
    }
    response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
    response.setHeader("WWW-Authenticate", wwwAuthenticate);
    writeJson(response, UNAUTHORIZED_BODY);
  }

  /** No Keystone could answer: 503 with Retry-After, or pass on as Invalid with delay. */
  private void unavailable(
      HttpServletRequest request,
      HttpServletResponse response,
      FilterChain chain,
      KeystoneUnavailableException e)
      throws IOException, ServletException {
    LOG.log(Level.DEBUG, "Keystone unavailable: {0}", e.getMessage());
    if (settings().delayAuthDecision()) {
      chain.doFilter(new IdentityRequest(request, IdentityHeaders.invalid()), response);
      return;
    }
    response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
    Duration retryAfter = e.retryAfter();
    if (retryAfter != null) {
      long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
      response.setHeader("Retry-After", Long.toString(seconds));
    }
    writeJson(response, UNAVAILABLE_BODY);
  }

  private static void writeJson(HttpServletResponse response, byte[] body) throws IOException {
    response.setContentType("application/json");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  /**
   * Each endpoint's circuit breaker, in the configured order.
   *
   * @throws IllegalStateException before {@link #init}
   */
  public List<EndpointStatus> endpointStatuses() {
    EndpointPool endpoints = pool;
    if (endpoints == null) {
      throw new IllegalStateException("KeystoneAuthFilter is not initialised");
    }
    List<EndpointStatus> statuses = new ArrayList<>();
    for (EndpointPool.Member member : endpoints.members()) {
      CircuitBreaker.State state = member.breaker().state();
      statuses.add(
          new EndpointStatus(
              member.endpoint().uri(),
              state.name().name(),
              state.consecutiveFailures(),
              state.openings(),
              state.openUntil(),
              member.answers(),
              member.failures()));
    }
    return statuses;
  }

  /** The settings in force, once initialised. */
  public KeystoneAuthConfig settings() {
    KeystoneAuthConfig settings = config;
    if (settings == null) {
      throw new IllegalStateException("KeystoneAuthFilter is not initialised");
    }
    return settings;
  }

  @Override
  public void destroy() {
    Client client = http;
    if (client != null) {
      client.close();
    }
  }
}
