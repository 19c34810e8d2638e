package io.github.keystoneauthfilter;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.keystoneauthfilter.internal.config.InitParameters;
import io.github.keystoneauthfilter.internal.headers.HeaderTable;
import io.github.keystoneauthfilter.internal.headers.HeaderTables;
import io.github.keystoneauthfilter.internal.metrics.FilterMetrics;
import io.github.keystoneauthfilter.internal.request.CanonicalPath;
import io.github.keystoneauthfilter.internal.request.ExcludedPaths;
import io.github.keystoneauthfilter.internal.servlet.ChallengingResponse;
import io.github.keystoneauthfilter.internal.servlet.IdentityRequest;
import io.github.keystoneauthfilter.internal.servlet.Responses;
import io.github.keystoneauthfilter.metrics.EndpointFailure;
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
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * <p>Map it on {@code /*} for every dispatcher type (docs/configuration.md, "Mapping the filter"):
 * it decides on a request's first pass and gives every later pass of it (an error page, a forward,
 * an include, an async dispatch) the same filtered view, without validating again. {@code
 * excluded_paths} exempts, and access rules allow, only a canonical raw request URI (no dot or
 * empty segment, no {@code ;}, no backslash, no encoded {@code / . % \}; see docs/security.md).
 *
 * <p>The work is {@link KeystoneTokenValidator}'s; this class adapts it to servlets: read the token
 * headers, validate, strip and inject identity headers, answer 401 or 503, pass on.
 *
 * <p>Configure it with init-params (keystonemiddleware's option names, listed in
 * docs/configuration.md) or construct it with a {@link KeystoneAuthConfig}. On {@link #init} it
 * puts itself in the servlet context under {@link #CONTEXT_ATTRIBUTE}, so the application can read
 * {@link #endpointStatuses()} and {@link #metrics()}.
 */
public final class KeystoneAuthFilter implements Filter {
  /** Request attribute holding the validated {@link Identity}, when the token is valid. */
  public static final String IDENTITY_ATTRIBUTE = "io.github.keystoneauthfilter.identity";

  /** Servlet-context attribute holding the initialised filter. */
  public static final String CONTEXT_ATTRIBUTE = KeystoneAuthFilter.class.getName();

  /** The longest token accepted, in characters; longer ones get 401 without a Keystone call. */
  public static final int MAX_TOKEN_LENGTH = KeystoneTokenValidator.MAX_TOKEN_LENGTH;

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

  /**
   * Everything a started filter runs with, set once by {@link #init}.
   *
   * @param settings the settings in force
   * @param validator the tokens' judge, with every stage behind it
   * @param excluded {@code excluded_paths}
   * @param responses the 401 and 503 answers and the challenge
   * @param confirmed the decision for each confirmed user identity without a service token (the
   *     cache hit's case), built on its first request and shared by the later ones; weak keys
   *     (compared by identity), so an entry goes when the token cache lets the identity go
   */
  private record Running(
      KeystoneAuthConfig settings,
      KeystoneTokenValidator validator,
      ExcludedPaths excluded,
      Responses responses,
      Cache<Identity, Decision> confirmed) {}

  /** The configuration given to the constructor, or null for init-params. */
  private final @Nullable KeystoneAuthConfig configured;

  private volatile @Nullable Running running;

  /** Counters from construction on, so that meters can be bound before {@link #init}. */
  private final FilterMetrics metrics = FilterMetrics.createFor(this);

  /**
   * The request attribute under which this instance keeps its {@link Decision} for later passes of
   * the same request. Its value, not its name, is what counts: see {@link #decided}.
   */
  private final String decisionAttribute =
      KeystoneAuthFilter.class.getName()
          + ".decision@"
          + Integer.toHexString(System.identityHashCode(this));

  /** For servlet containers: the configuration comes from init-params in {@link #init}. */
  public KeystoneAuthFilter() {
    this.configured = null;
  }

  /** For programmatic use: init-params are then ignored. */
  public KeystoneAuthFilter(KeystoneAuthConfig config) {
    this.configured = config;
  }

  @Override
  public void init(FilterConfig filterConfig) throws ServletException {
    KeystoneAuthConfig settings = configured;
    try {
      if (settings == null) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String name : Collections.list(filterConfig.getInitParameterNames())) {
          params.put(name, filterConfig.getInitParameter(name));
        }
        settings = InitParameters.parse(params).build();
      }
      running =
          new Running(
              settings,
              KeystoneTokenValidator.forFilter(settings, metrics),
              new ExcludedPaths(settings.excludedPaths()),
              new Responses(settings.wwwAuthenticateUri().toString()),
              Caffeine.newBuilder().weakKeys().executor(Runnable::run).build());
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new ServletException(
          "KeystoneAuthFilter '" + filterConfig.getFilterName() + "': " + e.getMessage(), e);
    }
    LOG.log(
        Level.INFO,
        "KeystoneAuthFilter started: endpoints in order {0}, delay_auth_decision={1}",
        settings.authUrls(),
        settings.delayAuthDecision());
    filterConfig.getServletContext().setAttribute(CONTEXT_ATTRIBUTE, this);
  }

  /**
   * The pipeline: a later pass of a decided request gets the same view again; otherwise strip what
   * the client may not send, let excluded paths through, validate the tokens, then refuse (401,
   * 503) or pass the request on with the verified identity.
   */
  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    Running run = running;
    if (run == null) {
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

    // 1. Strip: no identity a client or a front end put on the request passes for this filter's
    //    verdict. The attributes go now; the client's identity headers are hidden by the view
    //    every decision below passes on (IdentityRequest), also on excluded paths.
    request.removeAttribute(IDENTITY_ATTRIBUTE);
    request.removeAttribute(SERVICE_IDENTITY_ATTRIBUTE);

    // 2. Excluded paths pass without a token (only for a canonical request URI).
    String nonCanonical = CanonicalPath.problem(request.getRequestURI());
    if (excluded(run, request, nonCanonical)) {
      metrics.excluded.increment();
      remember(request, new Decision(this, HeaderTable.EMPTY, null, null, null, false))
          .apply(request, response, chain);
      return;
    }

    // 3. Validate: the service token first, then the user token, then access rules.
    ValidationOutcome outcome =
        run.validator()
            .decide(
                token(request, AUTH_TOKEN, STORAGE_TOKEN),
                token(request, SERVICE_TOKEN, null),
                new KeystoneTokenValidator.Target(
                    request.getMethod(),
                    request.getContextPath(),
                    request.getServletPath(),
                    request.getPathInfo(),
                    nonCanonical));

    // 4. Answer: pass on with the verified identity, or refuse: 503 when no Keystone could
    //    answer, else 401 (with delay_auth_decision never; the application decides).
    if (outcome instanceof ValidationOutcome.Confirmed || run.settings().delayAuthDecision()) {
      pass(run, request, response, chain, outcome);
    } else if (outcome instanceof ValidationOutcome.Unavailable unavailable) {
      remember(request, Decision.refused(this));
      run.responses().unavailable(request, response, unavailable.retryAfter());
    } else {
      remember(request, Decision.refused(this));
      run.responses().unauthorized(response);
    }
  }

  /** Whether {@code excluded_paths} lets this request through without a token. */
  private static boolean excluded(
      Running run, HttpServletRequest request, @Nullable String nonCanonical) {
    if (run.excluded().isEmpty() || !run.excluded().matches(pathWithinApplication(request))) {
      return false;
    }
    if (nonCanonical != null) {
      LOG.log(
          Level.DEBUG,
          "{0} request not excluded (a token is needed): the request URI is not canonical, {1}",
          request.getMethod(),
          nonCanonical);
      return false;
    }
    return true;
  }

  /**
   * Passes the request on with the identity headers (and statuses) of the outcome: Confirmed, or
   * with delay_auth_decision Invalid (what was confirmed even so) or Unavailable (nothing was).
   */
  private void pass(
      Running run,
      HttpServletRequest request,
      HttpServletResponse response,
      FilterChain chain,
      ValidationOutcome outcome)
      throws IOException, ServletException {
    Identity user = null;
    Identity service = null;
    boolean serviceTokenSent;
    if (outcome instanceof ValidationOutcome.Confirmed confirmed) {
      user = confirmed.user();
      service = confirmed.service();
      serviceTokenSent = service != null;
    } else if (outcome instanceof ValidationOutcome.Invalid invalid) {
      user = invalid.user();
      service = invalid.service();
      serviceTokenSent = invalid.serviceTokenSent();
    } else {
      serviceTokenSent = request.getHeader(SERVICE_TOKEN) != null;
    }
    Decision decision;
    if (user != null && !serviceTokenSent) {
      // The common case (every cache hit without a service token): one decision per identity.
      decision = run.confirmed().getIfPresent(user);
      if (decision == null) {
        decision = newDecision(run, user, false, null);
        run.confirmed().put(user, decision);
      }
    } else {
      decision = newDecision(run, user, serviceTokenSent, service);
    }
    remember(request, decision).apply(request, response, chain);
  }

  private Decision newDecision(
      Running run, @Nullable Identity user, boolean serviceTokenSent, @Nullable Identity service) {
    HeaderTable headers = HeaderTables.table(user, serviceTokenSent, service);
    return new Decision(this, headers, user, service, run.responses().challenge(), false);
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
      return new Decision(owner, HeaderTables.INVALID, null, null, null, true);
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

  /**
   * Whether this filter let the request through without a token because its path is in {@code
   * excluded_paths} (on any pass of the request, after the filter ran on its first). False for a
   * request it has not seen, one it validated (whatever the outcome), and one that only claims to
   * be excluded: the answer comes from the filter's own decision, which no header or attribute a
   * client or front end sends can imitate. For security layers behind the filter, such as Spring
   * Security's, that permit exactly the requests the filter excluded.
   *
   * @param request a request this filter may have passed on
   */
  public boolean isExcluded(ServletRequest request) {
    if (!(request instanceof HttpServletRequest http)) {
      return false;
    }
    Decision decision = decided(http);
    return decision != null && !decision.refused() && decision.challenge() == null;
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

  /**
   * A token header: {@code name}, else {@code fallback}. A present but empty {@code name} still
   * hides {@code fallback}, as in keystonemiddleware. Sent more than once, which one counts would
   * depend on who reads the request: the values are then given joined by {@code ", "} (as HTTP
   * folds them), which no token can be, so the validator refuses them (all blank: none sent).
   */
  private static @Nullable String token(
      HttpServletRequest request, String name, @Nullable String fallback) {
    String header = name;
    String sent = request.getHeader(name);
    if (sent == null && fallback != null) {
      header = fallback;
      sent = request.getHeader(fallback);
    }
    if (sent == null) {
      return null; // not sent: no enumeration asked of the container
    }
    // Only the enumeration shows a second value; it is asked for a header that was sent.
    Enumeration<String> values = request.getHeaders(header);
    if (values == null || !values.hasMoreElements()) {
      return sent;
    }
    String first = values.nextElement();
    if (!values.hasMoreElements()) {
      return first;
    }
    LOG.log(Level.DEBUG, "{0} refused: sent more than once", header);
    List<String> all = new ArrayList<>(List.of(first));
    values.asIterator().forEachRemaining(all::add);
    return all.stream().allMatch(String::isBlank) ? null : String.join(", ", all);
  }

  private static String pathWithinApplication(HttpServletRequest request) {
    String pathInfo = request.getPathInfo();
    return pathInfo == null ? request.getServletPath() : request.getServletPath() + pathInfo;
  }

  private Running running() {
    Running run = running;
    if (run == null) {
      throw new IllegalStateException("KeystoneAuthFilter is not initialised");
    }
    return run;
  }

  /**
   * Each endpoint's circuit breaker, in the configured order.
   *
   * @throws IllegalStateException before {@link #init}
   */
  public List<EndpointStatus> endpointStatuses() {
    return running().validator().endpointStatuses();
  }

  /**
   * Each endpoint's latest failed call, in the configured order, leaving out endpoints that never
   * failed (see {@link KeystoneTokenValidator#lastFailures()}).
   *
   * @throws IllegalStateException before {@link #init}
   */
  public List<EndpointFailure> lastFailures() {
    return running().validator().lastFailures();
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

  /**
   * The settings in force: once initialised, or from the constructor.
   *
   * @throws IllegalStateException before {@link #init} when configured by init-params
   */
  public KeystoneAuthConfig settings() {
    Running run = running;
    if (run != null) {
      return run.settings();
    }
    KeystoneAuthConfig settings = configured;
    if (settings == null) {
      throw new IllegalStateException("KeystoneAuthFilter is not initialised");
    }
    return settings;
  }

  @Override
  public void destroy() {
    Running run = running;
    if (run != null) {
      run.validator().close();
    }
  }
}
