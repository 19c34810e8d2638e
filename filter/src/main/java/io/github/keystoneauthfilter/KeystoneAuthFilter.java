package io.github.keystoneauthfilter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.keystoneauthfilter.internal.cache.EntryProtection;
import io.github.keystoneauthfilter.internal.cache.MemcachedStore;
import io.github.keystoneauthfilter.internal.cache.SharedStore;
import io.github.keystoneauthfilter.internal.cache.SharedTokenCache;
import io.github.keystoneauthfilter.internal.cache.TokenCache;
import io.github.keystoneauthfilter.internal.config.InitParameters;
import io.github.keystoneauthfilter.internal.endpoint.Bulkhead;
import io.github.keystoneauthfilter.internal.endpoint.CircuitBreaker;
import io.github.keystoneauthfilter.internal.endpoint.EndpointPool;
import io.github.keystoneauthfilter.internal.headers.HeaderTable;
import io.github.keystoneauthfilter.internal.keystone.KeystoneClient;
import io.github.keystoneauthfilter.internal.keystone.KeystoneHttp;
import io.github.keystoneauthfilter.internal.keystone.KeystoneTls;
import io.github.keystoneauthfilter.internal.keystone.ServiceCredentials;
import io.github.keystoneauthfilter.internal.metrics.FilterMetrics;
import io.github.keystoneauthfilter.internal.metrics.JmxMetrics;
import io.github.keystoneauthfilter.internal.request.AccessRules;
import io.github.keystoneauthfilter.internal.request.CanonicalPath;
import io.github.keystoneauthfilter.internal.request.ExcludedPaths;
import io.github.keystoneauthfilter.internal.servlet.ChallengingResponse;
import io.github.keystoneauthfilter.internal.servlet.IdentityRequest;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.KeystoneUnavailableException;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import io.github.keystoneauthfilter.metrics.EndpointStatus;
import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
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
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Filter} that lets a request through only with a Keystone token that one of an ordered
 * list of Keystone endpoints vouches for, as OpenStack's keystonemiddleware {@code auth_token} does
 * for WSGI apps.
 *
 * <p>Per request: strip every identity header the client sent (also on {@code excluded_paths},
 * which pass without a token); validate {@code X-Service-Token} if sent, then {@code X-Auth-Token}
 * (else {@code X-Storage-Token}), with {@code allow_expired} when the service token holds a service
 * role (cache, else the endpoints in order, each behind a circuit breaker); check an application
 * credential's access rules; then either pass the request on with the identity headers and the
 * {@link Identity} as the request attribute {@link #IDENTITY_ATTRIBUTE}, or answer 401 (invalid or
 * missing token) or 503 (no Keystone could answer). With {@code delay_auth_decision} it never
 * answers itself: the request passes with {@code X-Identity-Status: Invalid}. A 401 from the
 * application gets {@code WWW-Authenticate: Keystone uri="…"} added.
 *
 * <p>Map it on {@code /*} for every dispatcher type (see the README, "Mapping the filter"): it
 * decides on a request's first pass and gives every later pass of it (an error page, a forward, an
 * include, an async dispatch) the same filtered view, without validating again. {@code
 * excluded_paths} exempts, and access rules allow, only a canonical raw request URI (no dot or
 * empty segment, no {@code ;}, no backslash, no encoded {@code / . % \}; see the README).
 *
 * <p>Configure it with init-params (keystonemiddleware's option names, listed in the README) or
 * construct it with a {@link KeystoneAuthConfig}. On {@link #init} it puts itself in the servlet
 * context under {@link #CONTEXT_ATTRIBUTE}, so the application can read {@link #endpointStatuses()}
 * and {@link #metrics()}.
 */
public final class KeystoneAuthFilter implements Filter {
  /** Request attribute holding the validated {@link Identity}, when the token is valid. */
  public static final String IDENTITY_ATTRIBUTE = "io.github.keystoneauthfilter.identity";

  /** Servlet-context attribute holding the initialised filter. */
  public static final String CONTEXT_ATTRIBUTE = KeystoneAuthFilter.class.getName();

  /** The longest token accepted, in characters; longer ones get 401 without a Keystone call. */
  public static final int MAX_TOKEN_LENGTH = 8192;

  /**
   * Request attribute holding the validated service {@link Identity}, when an {@code
   * X-Service-Token} was confirmed.
   */
  public static final String SERVICE_IDENTITY_ATTRIBUTE =
      "io.github.keystoneauthfilter.service-identity";

  static final String AUTH_TOKEN = "X-Auth-Token";
  static final String STORAGE_TOKEN = "X-Storage-Token";
  static final String SERVICE_TOKEN = "X-Service-Token";

  private static final System.Logger LOG = System.getLogger(KeystoneAuthFilter.class.getName());
  private static final byte[] UNAUTHORIZED_BODY =
      ("{\"error\": {\"code\": 401, \"title\": \"Unauthorized\", \"message\":"
              + " \"The request you have made requires authentication.\"}}")
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] UNAVAILABLE_JSON =
      ("{\"error\": {\"code\": 503, \"title\": \"Service Unavailable\", \"message\":"
              + " \"The Keystone service is temporarily unavailable.\"}}")
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] UNAVAILABLE_TEXT =
      "503 Service Unavailable\n\nThe Keystone service is temporarily unavailable.\n"
          .getBytes(StandardCharsets.UTF_8);

  private @Nullable KeystoneAuthConfig config;
  private @Nullable Client http;
  private @Nullable EndpointPool pool;
  private @Nullable TokenValidator validator;
  private @Nullable SharedStore sharedStore;
  private String wwwAuthenticate = "";
  private ExcludedPaths excluded = new ExcludedPaths(List.of());
  private AccessRules accessRules = new AccessRules(null);
  private volatile boolean warnedServiceRoles;
  private final FilterMetrics metrics = FilterMetrics.createFor(this);
  private @Nullable JmxMetrics jmx;

  /**
   * Each cached identity's header table, built once. Weak keys (compared by identity), so an entry
   * goes when the token cache lets the identity go.
   */
  private final Cache<Identity, HeaderTable> userHeaders =
      Caffeine.newBuilder().weakKeys().executor(Runnable::run).build();

  private static final HeaderTable INVALID = HeaderTable.of(IdentityHeaders.invalid());

  /**
   * The request attribute under which this instance keeps its {@link Decision} for later passes of
   * the same request. Its value, not its name, is what counts: see {@link #decided}.
   */
  private final String decisionAttribute =
      KeystoneAuthFilter.class.getName()
          + ".decision@"
          + Integer.toHexString(System.identityHashCode(this));

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
    try {
      String jmxName = settings.metricsJmxName();
      if (jmxName != null) {
        jmx = JmxMetrics.register(jmxName, metrics, settings.authUrls());
      }
      start(settings);
    } catch (IllegalArgumentException | IllegalStateException e) {
      unregisterJmx();
      throw new ServletException(
          "KeystoneAuthFilter '" + filterConfig.getFilterName() + "': " + e.getMessage(), e);
    }
    filterConfig.getServletContext().setAttribute(CONTEXT_ATTRIBUTE, this);
  }

  /** Wires the stages once: cache, then the endpoint pool, then one client per endpoint. */
  private void start(KeystoneAuthConfig settings) {
    this.config = settings;
    ObjectMapper mapper = new ObjectMapper();
    if (settings.insecure()) {
      LOG.log(
          Level.WARNING,
          "insecure=true: Keystone''s TLS certificates are NOT verified; anyone on the path to"
              + " {0} can impersonate Keystone and forge identities. Use cafile instead.",
          settings.authUrls());
    }
    Client client =
        KeystoneHttp.create(
            settings.maxConnectionsPerEndpoint(),
            settings.authUrls().size(),
            settings.httpConnectTimeout(),
            settings.httpRequestTimeout(),
            KeystoneTls.context(
                settings.cafile(), settings.certfile(), settings.keyfile(), settings.insecure()),
            settings.insecure());
    ServiceCredentials credentials = credentials(settings);
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
              // Every Keystone call ends within the deadline: a probe silent past it was lost.
              settings.failoverDeadline(),
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
    Bulkhead bulkhead = new Bulkhead(endpoints, settings.maxConcurrentValidations());
    TokenValidator keystone = bulkhead;
    SharedStore store = sharedStore(settings);
    SharedTokenCache shared = null;
    if (store != null) {
      this.sharedStore = store;
      shared =
          new SharedTokenCache(
              keystone,
              store,
              protection(settings),
              settings.tokenCacheTime(),
              settings.includeServiceCatalog(),
              mapper,
              settings.clock());
      keystone = shared;
    }
    TokenCache cache =
        new TokenCache(
            keystone,
            settings.tokenCacheTime(),
            settings.tokenCacheMaxEntries(),
            settings.invalidTokenCacheTime(),
            settings.invalidTokenCacheMaxEntries(),
            settings.failoverDeadline(),
            settings.clock());
    this.validator = cache;
    metrics.attach(endpoints, cache, bulkhead, shared);
    this.excluded = new ExcludedPaths(settings.excludedPaths());
    this.accessRules = new AccessRules(settings.serviceType());
    this.wwwAuthenticate = "Keystone uri=\"" + settings.wwwAuthenticateUri() + "\"";
    LOG.log(
        Level.INFO,
        "KeystoneAuthFilter started: endpoints in order {0}, delay_auth_decision={1}",
        settings.authUrls(),
        settings.delayAuthDecision());
  }

  /** The shared cache's store, or null when there is none (or it could not hold anything). */
  private static @Nullable SharedStore sharedStore(KeystoneAuthConfig settings) {
    boolean strategySet =
        settings.memcacheSecurityStrategy() != KeystoneAuthConfig.MemcacheSecurityStrategy.NONE;
    if (settings.memcachedServers().isEmpty()) {
      if (strategySet) {
        LOG.log(
            Level.WARNING,
            "memcache_security_strategy={0} has no effect: memcached_servers is not set, so no"
                + " token cache is shared",
            settings.memcacheSecurityStrategy().optionValue());
      }
      return null;
    }
    if (settings.tokenCacheTime().isZero()) {
      LOG.log(
          Level.WARNING,
          "memcached_servers is set but token_cache_time is not positive: nothing is cached, so"
              + " memcached is not used");
      return null;
    }
    if (!strategySet) {
      LOG.log(
          Level.WARNING,
          "memcache_security_strategy=None: identities in memcached {0} are neither signed nor"
              + " encrypted; anyone who can write to memcached can forge them. Set MAC or ENCRYPT"
              + (settings.memcacheSecretKey() != null
                  ? " (memcache_secret_key is set but unused)"
                  : ""),
          settings.memcachedServers());
    }
    List<InetSocketAddress> resolved = new ArrayList<>();
    for (InetSocketAddress server : settings.memcachedServers()) {
      resolved.add(new InetSocketAddress(server.getHostString(), server.getPort()));
    }
    LOG.log(
        Level.INFO,
        "shared token cache on memcached {0}, memcache_security_strategy={1}",
        settings.memcachedServers(),
        settings.memcacheSecurityStrategy().optionValue());
    return new MemcachedStore(
        resolved,
        settings.memcacheSocketTimeout(),
        settings.memcacheDeadRetry(),
        settings.memcachePoolMaxsize());
  }

  private static EntryProtection protection(KeystoneAuthConfig settings) {
    return switch (settings.memcacheSecurityStrategy()) {
      case NONE -> EntryProtection.none();
      case MAC ->
          EntryProtection.of(
              EntryProtection.Mode.MAC, Objects.requireNonNull(settings.memcacheSecretKey()));
      case ENCRYPT ->
          EntryProtection.of(
              EntryProtection.Mode.ENCRYPT, Objects.requireNonNull(settings.memcacheSecretKey()));
    };
  }

  private static ServiceCredentials credentials(KeystoneAuthConfig settings) {
    if (settings.authType() == KeystoneAuthConfig.AuthType.APPLICATION_CREDENTIAL) {
      return new ServiceCredentials.ApplicationCredential(
          settings.applicationCredentialId(),
          settings.applicationCredentialName(),
          settings.username(),
          settings.userDomainName(),
          Objects.requireNonNull(settings.applicationCredentialSecret()));
    }
    return ServiceCredentials.password(
        Objects.requireNonNull(settings.username()),
        Objects.requireNonNull(settings.password()),
        settings.userDomainName(),
        Objects.requireNonNull(settings.projectName()),
        settings.projectDomainName());
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    TokenValidator tokens = validator;
    if (tokens == null) {
      throw new ServletException("KeystoneAuthFilter used before init()");
    }
    if (!(req instanceof HttpServletRequest request)
        || !(res instanceof HttpServletResponse response)) {
      chain.doFilter(req, res); // not HTTP
      return;
    }
    Decision earlier = decided(request);
    if (earlier != null) {
      // A later pass of a request decided before (FORWARD, INCLUDE, ERROR, ASYNC dispatch): the
      // same view again, whatever request object the dispatch carries, without a second validation.
      earlier.apply(request, response, chain);
      return;
    }
    // Nothing a client or a front end put on the request may pass for this filter's verdict.
    request.removeAttribute(IDENTITY_ATTRIBUTE);
    request.removeAttribute(SERVICE_IDENTITY_ATTRIBUTE);
    String nonCanonical = CanonicalPath.problem(request.getRequestURI());
    if (!excluded.isEmpty() && excluded.matches(pathWithinApplication(request))) {
      if (nonCanonical == null) {
        metrics.excluded.increment();
        remember(request, new Decision(this, HeaderTable.EMPTY, null, null, null, false))
            .apply(request, response, chain); // stripped all the same
        return;
      }
      LOG.log(
          Level.DEBUG,
          "{0} request not excluded (a token is needed): the request URI is not canonical, {1}",
          request.getMethod(),
          nonCanonical);
    }

    Checked service;
    Checked user;
    try {
      service = checkService(tokens, request);
      user = checkUser(tokens, token(request, AUTH_TOKEN, STORAGE_TOKEN), service.allowExpired());
    } catch (KeystoneUnavailableException e) {
      metrics.unavailable.increment();
      unavailable(request, response, chain, e);
      return;
    }
    user = checkAccessRules(request, nonCanonical, user, service);
    boolean accepted =
        user.status() == Status.CONFIRMED
            && (service.status() == Status.ABSENT || service.status() == Status.CONFIRMED);
    (accepted ? metrics.confirmed : metrics.invalid).increment();
    if (!accepted && !settings().delayAuthDecision()) {
      remember(request, Decision.refused(this));
      unauthorized(response);
      return;
    }
    pass(request, response, chain, user, service);
  }

  /**
   * What this filter decided on a request's first pass, kept in a request attribute so that every
   * later pass of the request (a FORWARD, INCLUDE, ERROR or ASYNC dispatch) serves the same view:
   * the client's identity headers hidden, the same verified ones served, the same identity
   * attributes. Only this class can make one and each names the instance that made it, so no front
   * end that passes request attributes (AJP sends strings) can make a request look decided.
   *
   * @param owner the instance that decided
   * @param headers the verified headers to serve
   * @param user the user identity for {@link #IDENTITY_ATTRIBUTE}, if confirmed
   * @param service the service identity for {@link #SERVICE_IDENTITY_ATTRIBUTE}, if confirmed
   * @param challenge the {@code WWW-Authenticate} value added to the application's 401s, or null to
   *     leave the response alone (excluded paths)
   * @param refused whether the filter answered itself (401): the request never reaches the
   *     application, on any pass
   */
  private record Decision(
      KeystoneAuthFilter owner,
      HeaderTable headers,
      @Nullable Identity user,
      @Nullable Identity service,
      @Nullable String challenge,
      boolean refused) {

    static Decision refused(KeystoneAuthFilter owner) {
      return new Decision(owner, INVALID, null, null, null, true);
    }

    /** Passes the request on with this decision's view (a refused one goes no further). */
    void apply(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      if (refused) {
        return; // answered already; a dispatch after that (e.g. an error page) gets nothing more
      }
      setOrRemove(request, IDENTITY_ATTRIBUTE, user);
      setOrRemove(request, SERVICE_IDENTITY_ATTRIBUTE, service);
      HttpServletRequest view =
          request instanceof IdentityRequest own && own.serves(headers)
              ? request // this very view already: no second wrapper
              : new IdentityRequest(request, headers);
      String value = challenge;
      HttpServletResponse answer =
          value == null || response instanceof ChallengingResponse
              ? response
              : new ChallengingResponse(response, value);
      chain.doFilter(view, answer);
    }

    private static void setOrRemove(
        HttpServletRequest request, String name, @Nullable Identity identity) {
      if (identity != null) {
        request.setAttribute(name, identity);
      } else {
        request.removeAttribute(name);
      }
    }
  }

  /** This instance's decision on an earlier pass of the request, or null on the first pass. */
  private @Nullable Decision decided(HttpServletRequest request) {
    // A string (or anything else) under the attribute's name is not a decision: only ours count.
    return request.getAttribute(decisionAttribute) instanceof Decision decision
            && decision.owner() == this
        ? decision
        : null;
  }

  private Decision remember(HttpServletRequest request, Decision decision) {
    request.setAttribute(decisionAttribute, decision);
    return decision;
  }

  /** Whether a token was sent, and if so what Keystone says of it. */
  private enum Status {
    ABSENT,
    CONFIRMED,
    INVALID
  }

  /**
   * One token's outcome.
   *
   * @param status absent, confirmed or invalid
   * @param identity the identity, when confirmed
   * @param allowExpired for a service token: whether it holds a service role, so that the user
   *     token may be expired
   */
  private record Checked(Status status, @Nullable Identity identity, boolean allowExpired) {
    static final Checked ABSENT = new Checked(Status.ABSENT, null, false);
    static final Checked INVALID = new Checked(Status.INVALID, null, false);
  }

  /**
   * The service token ({@code X-Service-Token}), checked first as keystonemiddleware does: it is
   * Confirmed if valid and holding one of {@code service_token_roles} (or valid at all when {@code
   * service_token_roles_required=false}); holding one of them lets the user token be expired.
   */
  private Checked checkService(TokenValidator tokens, HttpServletRequest request) {
    if (request.getHeader(SERVICE_TOKEN) == null) {
      return Checked.ABSENT; // the common case, decided without walking the header's values
    }
    AuthToken token = token(request, SERVICE_TOKEN, null);
    if (token == null) {
      // Sent but unusable (twice, too long, odd characters) is invalid, as a junk one would be.
      return sent(request) ? Checked.INVALID : Checked.ABSENT;
    }
    if (!(tokens.validate(token) instanceof TokenValidation.Valid valid)) {
      LOG.log(Level.DEBUG, "service token {0} refused", token.hashPrefix());
      return Checked.INVALID;
    }
    Identity identity = valid.identity();
    boolean hasRole = identity.roles().stream().anyMatch(settings().serviceTokenRoles()::contains);
    if (hasRole) {
      return new Checked(Status.CONFIRMED, identity, true);
    }
    if (settings().serviceTokenRolesRequired()) {
      LOG.log(
          Level.DEBUG,
          "service token {0} refused: none of the roles {1}",
          token.hashPrefix(),
          settings().serviceTokenRoles());
      return Checked.INVALID;
    }
    if (!warnedServiceRoles) {
      warnedServiceRoles = true;
      LOG.log(
          Level.WARNING,
          "a service token without any of the roles {0} was accepted because"
              + " service_token_roles_required=false; set it to true (logged once)",
          settings().serviceTokenRoles());
    }
    return new Checked(Status.CONFIRMED, identity, false);
  }

  /** The user token, with {@code allow_expired} when a service token with a service role came. */
  private Checked checkUser(
      TokenValidator tokens, @Nullable AuthToken token, boolean allowExpired) {
    if (token == null) {
      return Checked.INVALID;
    }
    TokenValidation answer = tokens.validate(allowExpired ? token.allowingExpired() : token);
    if (answer instanceof TokenValidation.Valid valid) {
      return new Checked(Status.CONFIRMED, valid.identity(), false);
    }
    LOG.log(
        Level.DEBUG,
        "token {0} refused: {1}",
        token.hashPrefix(),
        ((TokenValidation.Invalid) answer).reason());
    return Checked.INVALID;
  }

  /**
   * A confirmed user token becomes invalid when its access rules do not allow this request, and
   * when they would be matched against a request URI that is not canonical ({@code nonCanonical}
   * says why), since a router may read such a path differently from the container.
   */
  private Checked checkAccessRules(
      HttpServletRequest request, @Nullable String nonCanonical, Checked user, Checked service) {
    Identity identity = user.identity();
    if (identity == null || identity.accessRules() == null) {
      return user;
    }
    if (nonCanonical != null && service.status() != Status.CONFIRMED) {
      LOG.log(
          Level.INFO,
          "application-credential token refused: the request URI is not canonical, {0}",
          nonCanonical);
      return Checked.INVALID;
    }
    String path = request.getContextPath() + pathWithinApplication(request);
    String refusal =
        accessRules.refusal(
            identity, request.getMethod(), path, service.status() == Status.CONFIRMED);
    if (refusal == null) {
      return user;
    }
    LOG.log(Level.INFO, "application-credential token refused: {0}", refusal);
    return Checked.INVALID;
  }

  /** Passes the request on with the identity headers (and statuses) the outcomes call for. */
  private void pass(
      HttpServletRequest request,
      HttpServletResponse response,
      FilterChain chain,
      Checked user,
      Checked service)
      throws IOException, ServletException {
    Identity userIdentity = user.identity();
    Identity serviceIdentity = service.identity();
    HeaderTable headers;
    if (service.status() == Status.ABSENT) {
      // The common case: the table is built once per identity and shared by its requests.
      headers =
          userIdentity != null
              ? userHeaders.get(userIdentity, id -> HeaderTable.of(IdentityHeaders.confirmed(id)))
              : INVALID;
    } else {
      Map<String, String> combined = new LinkedHashMap<>();
      combined.putAll(
          userIdentity != null
              ? IdentityHeaders.confirmed(userIdentity)
              : IdentityHeaders.invalid());
      if (serviceIdentity != null) {
        combined.putAll(IdentityHeaders.service(serviceIdentity));
      } else {
        combined.put(IdentityHeaders.SERVICE_IDENTITY_STATUS, IdentityHeaders.INVALID);
      }
      headers = HeaderTable.of(combined);
    }
    remember(
            request,
            new Decision(this, headers, userIdentity, serviceIdentity, wwwAuthenticate, false))
        .apply(request, response, chain);
  }

  /**
   * A token header, trimmed: {@code name}, else {@code fallback}. A present but empty {@code name}
   * still hides {@code fallback}, as in keystonemiddleware. A token that cannot be one (too long,
   * characters outside visible ASCII) counts as absent.
   */
  private static @Nullable AuthToken token(
      HttpServletRequest request, String name, @Nullable String fallback) {
    String header = name;
    Enumeration<String> values = request.getHeaders(name);
    if ((values == null || !values.hasMoreElements()) && fallback != null) {
      header = fallback;
      values = request.getHeaders(fallback);
    }
    if (values == null || !values.hasMoreElements()) {
      return null;
    }
    String raw = values.nextElement();
    if (values.hasMoreElements()) {
      // Which one counts would depend on who reads the request; refuse the ambiguity.
      LOG.log(Level.DEBUG, "{0} refused: sent more than once", header);
      return null;
    }
    String trimmed = raw.strip();
    if (trimmed.isEmpty()) {
      return null;
    }
    if (trimmed.length() > MAX_TOKEN_LENGTH) {
      LOG.log(Level.DEBUG, "{0} refused: longer than {1} characters", name, MAX_TOKEN_LENGTH);
      return null;
    }
    for (int i = 0; i < trimmed.length(); i++) {
      char c = trimmed.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        LOG.log(Level.DEBUG, "{0} refused: it holds characters a Keystone token never has", name);
        return null;
      }
    }
    return AuthToken.of(trimmed);
  }

  /** Whether a non-blank {@code X-Service-Token} was sent (blank counts as absent, as in kmw). */
  private static boolean sent(HttpServletRequest request) {
    Enumeration<String> values = request.getHeaders(SERVICE_TOKEN);
    while (values != null && values.hasMoreElements()) {
      if (!values.nextElement().isBlank()) {
        return true;
      }
    }
    return false;
  }

  private static String pathWithinApplication(HttpServletRequest request) {
    String pathInfo = request.getPathInfo();
    return pathInfo == null ? request.getServletPath() : request.getServletPath() + pathInfo;
  }

  /** keystonemiddleware's 401: JSON body and {@code WWW-Authenticate: Keystone uri="…"}. */
  private void unauthorized(HttpServletResponse response) throws IOException {
    response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
    response.setHeader("WWW-Authenticate", wwwAuthenticate);
    write(response, "application/json", UNAUTHORIZED_BODY);
  }

  /**
   * No Keystone could answer: 503 with {@code Retry-After} and a body in JSON when the client
   * accepts it, else plain text; or, with delay_auth_decision, pass on as Invalid.
   */
  private void unavailable(
      HttpServletRequest request,
      HttpServletResponse response,
      FilterChain chain,
      KeystoneUnavailableException e)
      throws IOException, ServletException {
    LOG.log(Level.DEBUG, "Keystone unavailable: {0}", e.getMessage());
    if (settings().delayAuthDecision()) {
      Checked service = request.getHeader(SERVICE_TOKEN) != null ? Checked.INVALID : Checked.ABSENT;
      pass(request, response, chain, Checked.INVALID, service);
      return;
    }
    remember(request, Decision.refused(this));
    response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
    Duration retryAfter = e.retryAfter();
    if (retryAfter != null) {
      long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
      response.setHeader("Retry-After", Long.toString(seconds));
    }
    String accept = request.getHeader("Accept");
    if (accept != null && accept.toLowerCase(Locale.ROOT).contains("application/json")) {
      write(response, "application/json", UNAVAILABLE_JSON);
    } else {
      write(response, "text/plain;charset=UTF-8", UNAVAILABLE_TEXT);
    }
  }

  private static void write(HttpServletResponse response, String contentType, byte[] body)
      throws IOException {
    response.setContentType(contentType);
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

  /**
   * What the filter has done since {@link #init}: requests by outcome, the token caches (in-process
   * and shared), and each endpoint's answers, failures, failovers, breaker and latency. A read-only
   * copy; cheap enough to take on every scrape (it allocates, the request path does not).
   *
   * @throws IllegalStateException before {@link #init}
   */
  public MetricsSnapshot metrics() {
    return metrics.snapshot();
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
    unregisterJmx();
    Client client = http;
    if (client != null) {
      client.close();
    }
    SharedStore store = sharedStore;
    if (store != null) {
      store.close();
    }
  }

  private void unregisterJmx() {
    JmxMetrics registered = jmx;
    if (registered != null) {
      jmx = null;
      registered.close();
    }
  }
}
