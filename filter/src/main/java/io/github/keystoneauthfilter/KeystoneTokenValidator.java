package io.github.keystoneauthfilter;

import io.github.keystoneauthfilter.internal.assembly.Assembly;
import io.github.keystoneauthfilter.internal.assembly.Stages;
import io.github.keystoneauthfilter.internal.endpoint.EndpointMember;
import io.github.keystoneauthfilter.internal.log.Loggers;
import io.github.keystoneauthfilter.internal.metrics.FilterMetrics;
import io.github.keystoneauthfilter.internal.request.CanonicalPath;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.KeystoneUnavailableException;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.metrics.EndpointFailure;
import io.github.keystoneauthfilter.metrics.EndpointStatus;
import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Validates Keystone tokens as {@link KeystoneAuthFilter} does, without the servlet API: for gRPC
 * interceptors, message consumers, Vert.x handlers or a Spring Security {@code
 * AuthenticationProvider}. Behind it are the same stages: the token caches (in-process, and shared
 * on memcached when configured), single flight, the bulkhead, and the ordered endpoints, each
 * behind its circuit breaker.
 *
 * <p>Create one per configuration, share it between threads, and {@link #close} it when done (it
 * owns an HTTP connection pool):
 *
 * <pre>{@code
 * try (KeystoneTokenValidator validator = KeystoneTokenValidator.create(config)) {
 *   ValidationOutcome outcome = validator.validate(userToken, serviceToken);
 *   if (outcome instanceof ValidationOutcome.Confirmed confirmed) { ... confirmed.user() ... }
 * }
 * }</pre>
 *
 * <p>The service token, if any, is checked first, as keystonemiddleware does: it must be valid and
 * hold one of {@code service_token_roles} (unless {@code service_token_roles_required=false}), and
 * holding one lets the user token be expired ({@code allow_expired}). A token longer than {@link
 * #MAX_TOKEN_LENGTH} or with characters outside visible ASCII is invalid without a Keystone call.
 * Tokens never reach a log line or a reason; caches are keyed by their SHA-256. It logs under the
 * filter's logger name, {@code io.github.keystoneauthfilter.KeystoneAuthFilter}.
 */
public final class KeystoneTokenValidator implements AutoCloseable {
  /** The longest token accepted, in characters; longer ones are invalid without a Keystone call. */
  public static final int MAX_TOKEN_LENGTH = 8192;

  private static final System.Logger LOG = System.getLogger(Loggers.FILTER);

  private final KeystoneAuthConfig settings;
  private final FilterMetrics metrics;
  private final Stages stages;
  private volatile boolean warnedServiceRoles;
  private final AtomicBoolean closed = new AtomicBoolean();

  private KeystoneTokenValidator(KeystoneAuthConfig settings, @Nullable FilterMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics != null ? metrics : FilterMetrics.createFor(this);
    this.stages = Assembly.assemble(settings, this.metrics);
  }

  /**
   * A validator for {@code config}: builds the HTTP client, the caches and the endpoints (no
   * Keystone call yet), and registers the MXBeans when {@code metrics_jmx_name} is set.
   *
   * @throws IllegalArgumentException or IllegalStateException when a stage cannot be built (an
   *     unreadable {@code cafile}, a JMX name already taken); the message names the cause
   */
  public static KeystoneTokenValidator create(KeystoneAuthConfig config) {
    return new KeystoneTokenValidator(config, null);
  }

  /** The filter's validator, counting into the filter's own counters. */
  static KeystoneTokenValidator forFilter(KeystoneAuthConfig config, FilterMetrics metrics) {
    return new KeystoneTokenValidator(config, metrics);
  }

  /**
   * Validates a request's tokens when no request path is at hand. A user token of an application
   * credential with access rules is then refused (its rules cannot be checked): use {@link
   * #validate(String, String, String, String)} for those.
   *
   * @param userToken the user token ({@code X-Auth-Token}); null or blank means none (invalid)
   * @param serviceToken the service token ({@code X-Service-Token}); null or blank means none
   * @return confirmed, invalid or unavailable; never throws for Keystone's sake
   */
  public ValidationOutcome validate(@Nullable String userToken, @Nullable String serviceToken) {
    return decide(userToken, serviceToken, null);
  }

  /**
   * Validates a request's tokens and checks an application credential's access rules against the
   * request. The path must be canonical (no dot or empty segment, no {@code ;}, no backslash, no
   * encoded {@code / . % \}): access rules allow no other path.
   *
   * @param userToken the user token ({@code X-Auth-Token}); null or blank means none (invalid)
   * @param serviceToken the service token ({@code X-Service-Token}); null or blank means none
   * @param method the request's method, e.g. {@code GET}
   * @param path the request's path as sent (not decoded), starting with {@code /}
   * @return confirmed, invalid or unavailable; never throws for Keystone's sake
   */
  public ValidationOutcome validate(
      @Nullable String userToken, @Nullable String serviceToken, String method, String path) {
    return decide(
        userToken, serviceToken, new Target(method, "", path, null, CanonicalPath.problem(path)));
  }

  /**
   * The request an access rule is matched against, in the parts a servlet request gives: the full
   * path is put together only when a token has access rules to match, so that the other requests
   * allocate no string for it.
   *
   * @param method the request's method
   * @param contextPath its context path ({@code ""} for the root context)
   * @param servletPath its servlet path, or the whole path when there are no parts
   * @param pathInfo its path info, or null
   * @param nonCanonical why its raw URI is not canonical, or null when it is
   */
  record Target(
      String method,
      String contextPath,
      String servletPath,
      @Nullable String pathInfo,
      @Nullable String nonCanonical) {

    /** The full path: context path, servlet path, path info. */
    String path() {
      String info = pathInfo;
      return contextPath + servletPath + (info == null ? "" : info);
    }
  }

  /** The decision, counted in the metrics. */
  ValidationOutcome decide(
      @Nullable String userToken, @Nullable String serviceToken, @Nullable Target target) {
    ValidationOutcome outcome;
    try {
      outcome = check(userToken, serviceToken, target);
    } catch (KeystoneUnavailableException e) {
      metrics.unavailable.increment();
      LOG.log(Level.DEBUG, "Keystone unavailable: {0}", e.getMessage());
      return new ValidationOutcome.Unavailable(e.retryAfter());
    }
    (outcome instanceof ValidationOutcome.Confirmed ? metrics.confirmed : metrics.invalid)
        .increment();
    return outcome;
  }

  private ValidationOutcome check(
      @Nullable String userToken, @Nullable String serviceToken, @Nullable Target target) {
    Checked service = checkService(serviceToken);
    AuthToken token = parse("token", userToken);
    TokenValidation answer = token == null ? NO_TOKEN : checkUser(token, service.allowExpired());
    Identity userIdentity = null;
    String reason;
    if (answer instanceof TokenValidation.Valid valid) {
      String refusal = accessRuleRefusal(target, valid.identity(), service);
      userIdentity = refusal == null ? valid.identity() : null;
      reason = refusal == null ? service.reason() : refusal;
    } else {
      reason = ((TokenValidation.Invalid) answer).reason();
    }
    if (userIdentity != null && service.status() != Status.INVALID) {
      return new ValidationOutcome.Confirmed(userIdentity, service.identity());
    }
    return new ValidationOutcome.Invalid(
        reason, userIdentity, service.identity(), service.status() != Status.ABSENT);
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
   * @param reason why it is invalid (or absent), for logs
   */
  private record Checked(
      Status status, @Nullable Identity identity, boolean allowExpired, String reason) {
    static final Checked ABSENT = new Checked(Status.ABSENT, null, false, "no service token");

    static Checked confirmed(Identity identity, boolean allowExpired) {
      return new Checked(Status.CONFIRMED, identity, allowExpired, "");
    }

    static Checked invalid(String reason) {
      return new Checked(Status.INVALID, null, false, reason);
    }
  }

  /**
   * The service token, checked first as keystonemiddleware does: it is Confirmed if valid and
   * holding one of {@code service_token_roles} (or valid at all when {@code
   * service_token_roles_required=false}); holding one of them lets the user token be expired.
   */
  private Checked checkService(@Nullable String serviceToken) {
    if (serviceToken == null || serviceToken.isBlank()) {
      return Checked.ABSENT; // blank counts as absent, as in keystonemiddleware
    }
    AuthToken token = parse("service token", serviceToken);
    if (token == null) {
      // Sent but unusable (too long, odd characters) is invalid, as a junk one would be.
      return Checked.invalid("the service token is not a token");
    }
    if (!(stages.tokens().validate(token) instanceof TokenValidation.Valid valid)) {
      LOG.log(Level.DEBUG, "service token {0} refused", token.hashPrefix());
      return Checked.invalid("the service token is invalid");
    }
    Identity identity = valid.identity();
    boolean hasRole = identity.roles().stream().anyMatch(settings.serviceTokenRoles()::contains);
    if (hasRole) {
      return Checked.confirmed(identity, true);
    }
    if (settings.serviceTokenRolesRequired()) {
      LOG.log(
          Level.DEBUG,
          "service token {0} refused: none of the roles {1}",
          token.hashPrefix(),
          settings.serviceTokenRoles());
      return Checked.invalid("the service token holds none of the service_token_roles");
    }
    if (!warnedServiceRoles) {
      warnedServiceRoles = true;
      LOG.log(
          Level.WARNING,
          "a service token without any of the roles {0} was accepted because"
              + " service_token_roles_required=false; set it to true (logged once)",
          settings.serviceTokenRoles());
    }
    return Checked.confirmed(identity, false);
  }

  /** What a request without a usable user token gets. */
  private static final TokenValidation.Invalid NO_TOKEN =
      new TokenValidation.Invalid("no usable token");

  /**
   * The user token, with {@code allow_expired} when a service token with a service role came. A
   * cache hit returns the cached answer itself: nothing is allocated for it.
   */
  private TokenValidation checkUser(AuthToken token, boolean allowExpired) {
    TokenValidation answer =
        stages.tokens().validate(allowExpired ? token.allowingExpired() : token);
    if (answer instanceof TokenValidation.Invalid invalid) {
      LOG.log(Level.DEBUG, "token {0} refused: {1}", token.hashPrefix(), invalid.reason());
    }
    return answer;
  }

  /**
   * A confirmed user token becomes invalid when its access rules do not allow this request, and
   * when they would be matched against a request URI that is not canonical, since a router may read
   * such a path differently from the container; without a request, a token with access rules is
   * refused. Returns why the confirmed user identity is refused, or null when its token has no
   * access rules or they allow the request.
   */
  private @Nullable String accessRuleRefusal(
      @Nullable Target target, Identity identity, Checked service) {
    if (identity.accessRules() == null) {
      return null;
    }
    if (target == null) {
      return "the token's application credential has access rules, and no request to check them on";
    }
    String nonCanonical = target.nonCanonical();
    if (nonCanonical != null && service.status() != Status.CONFIRMED) {
      LOG.log(
          Level.INFO,
          "application-credential token refused: the request URI is not canonical, {0}",
          nonCanonical);
      return "the request URI is not canonical, " + nonCanonical;
    }
    String refusal =
        stages
            .accessRules()
            .refusal(
                identity, target.method(), target.path(), service.status() == Status.CONFIRMED);
    if (refusal != null) {
      LOG.log(Level.INFO, "application-credential token refused: {0}", refusal);
    }
    return refusal;
  }

  /**
   * A token, trimmed, or null when it cannot be one: absent, blank, longer than {@link
   * #MAX_TOKEN_LENGTH}, or with characters outside visible ASCII.
   */
  private static @Nullable AuthToken parse(String what, @Nullable String raw) {
    if (raw == null) {
      return null;
    }
    String trimmed = raw.strip();
    if (trimmed.isEmpty()) {
      return null;
    }
    if (trimmed.length() > MAX_TOKEN_LENGTH) {
      LOG.log(Level.DEBUG, "{0} refused: longer than {1} characters", what, MAX_TOKEN_LENGTH);
      return null;
    }
    for (int i = 0; i < trimmed.length(); i++) {
      char c = trimmed.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        LOG.log(Level.DEBUG, "{0} refused: it holds characters a Keystone token never has", what);
        return null;
      }
    }
    return AuthToken.of(trimmed);
  }

  /**
   * Each endpoint's circuit breaker, in the configured order: the breaker part of {@link
   * #metrics()}'s endpoints.
   */
  public List<EndpointStatus> endpointStatuses() {
    List<EndpointStatus> statuses = new ArrayList<>();
    for (MetricsSnapshot.Endpoint endpoint : metrics().endpoints()) {
      statuses.add(endpoint.status());
    }
    return statuses;
  }

  /**
   * Each endpoint's latest failed call (no definite answer: down, timed out, a 5xx, garbage,
   * refused service credentials), in the configured order; endpoints that never failed are left
   * out. For health pages, beside {@link #endpointStatuses()}.
   */
  public List<EndpointFailure> lastFailures() {
    List<EndpointFailure> failures = new ArrayList<>();
    for (EndpointMember member : stages.pool().members()) {
      EndpointFailure failure = member.lastFailure();
      if (failure != null) {
        failures.add(failure);
      }
    }
    return failures;
  }

  /**
   * What this validator has done: outcomes, the token caches and each endpoint. A read-only copy.
   */
  public MetricsSnapshot metrics() {
    return metrics.snapshot();
  }

  /** The settings in force. */
  public KeystoneAuthConfig settings() {
    return settings;
  }

  /**
   * Unregisters the MXBeans and closes the HTTP client and the memcached connections; once (a
   * second call does nothing).
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      stages.close();
    }
  }
}
