package io.github.keystoneauthfilter;

import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_DOMAIN_NAME;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_FAILOVER_DEADLINE;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_FAILOVER_DEMOTE_AFTER;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_FAILOVER_DEMOTE_PROBE_INTERVAL;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_FAILOVER_FAILURE_THRESHOLD;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_FAILOVER_HEDGE_BUDGET;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_FAILOVER_HEDGE_DELAY_MAX;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_FAILOVER_HEDGE_DELAY_MIN;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_FAILOVER_MAX_OPEN;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_FAILOVER_OPEN;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_HTTP_CONNECT_TIMEOUT;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_HTTP_REQUEST_TIMEOUT;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_INVALID_TOKEN_CACHE_MAX_ENTRIES;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_INVALID_TOKEN_CACHE_TIME;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_MAX_CONCURRENT_VALIDATIONS;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_MEMCACHE_DEAD_RETRY;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_MEMCACHE_POOL_MAXSIZE;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_MEMCACHE_SOCKET_TIMEOUT;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_SERVICE_TOKEN_ROLES;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_TOKEN_CACHE_MAX_ENTRIES;
import static io.github.keystoneauthfilter.KeystoneAuthConfig.DEFAULT_TOKEN_CACHE_TIME;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.absoluteUrl;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.atLeastOne;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.excludedPathList;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.fraction;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.hostPort;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.jmxName;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.keystoneUrl;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.nonBlank;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.notNegative;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.positive;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.readable;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.redisUrlForm;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.roleList;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.secondsText;

import io.github.keystoneauthfilter.KeystoneAuthConfig.AuthType;
import io.github.keystoneauthfilter.KeystoneAuthConfig.HedgeMode;
import io.github.keystoneauthfilter.KeystoneAuthConfig.MemcacheSecurityStrategy;
import io.github.keystoneauthfilter.config.Credentials;
import io.github.keystoneauthfilter.config.SharedCacheSettings;
import io.github.keystoneauthfilter.config.TlsSettings;
import io.github.keystoneauthfilter.internal.config.ConfigGroups;
import io.github.keystoneauthfilter.spi.SharedCacheStoreProvider;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link KeystoneAuthConfig}. Setters named after the keystonemiddleware option they set.
 * Not thread-safe.
 */
public final class KeystoneAuthConfigBuilder {
  final List<URI> authUrls = new ArrayList<>();
  @Nullable String username;
  @Nullable String password;
  @Nullable String projectName;
  AuthType authType = AuthType.PASSWORD;
  @Nullable String applicationCredentialId;
  @Nullable String applicationCredentialName;
  @Nullable String applicationCredentialSecret;
  String userDomainName = DEFAULT_DOMAIN_NAME;
  String projectDomainName = DEFAULT_DOMAIN_NAME;
  @Nullable URI wwwAuthenticateUri;
  boolean delayAuthDecision;
  Duration tokenCacheTime = DEFAULT_TOKEN_CACHE_TIME;
  long tokenCacheMaxEntries = DEFAULT_TOKEN_CACHE_MAX_ENTRIES;
  boolean includeServiceCatalog = true;
  Duration invalidTokenCacheTime = DEFAULT_INVALID_TOKEN_CACHE_TIME;
  long invalidTokenCacheMaxEntries = DEFAULT_INVALID_TOKEN_CACHE_MAX_ENTRIES;
  List<String> serviceTokenRoles = DEFAULT_SERVICE_TOKEN_ROLES;
  boolean serviceTokenRolesRequired = true;
  List<String> excludedPaths = List.of();
  @Nullable String serviceType;
  @Nullable Path cafile;
  @Nullable Path certfile;
  @Nullable Path keyfile;
  boolean insecure;
  Duration httpConnectTimeout = DEFAULT_HTTP_CONNECT_TIMEOUT;
  Duration httpRequestTimeout = DEFAULT_HTTP_REQUEST_TIMEOUT;
  int maxConnectionsPerEndpoint = DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT;
  int maxConcurrentValidations = DEFAULT_MAX_CONCURRENT_VALIDATIONS;
  Duration failoverDeadline = DEFAULT_FAILOVER_DEADLINE;
  int failoverFailureThreshold = DEFAULT_FAILOVER_FAILURE_THRESHOLD;
  Duration failoverOpen = DEFAULT_FAILOVER_OPEN;
  Duration failoverMaxOpen = DEFAULT_FAILOVER_MAX_OPEN;
  boolean failoverOnNotFound;
  HedgeMode failoverHedgeMode = HedgeMode.ADAPTIVE;
  @Nullable Duration failoverHedgeDelay;
  Duration failoverHedgeDelayMin = DEFAULT_FAILOVER_HEDGE_DELAY_MIN;
  Duration failoverHedgeDelayMax = DEFAULT_FAILOVER_HEDGE_DELAY_MAX;
  double failoverHedgeBudget = DEFAULT_FAILOVER_HEDGE_BUDGET;
  int failoverDemoteAfter = DEFAULT_FAILOVER_DEMOTE_AFTER;
  Duration failoverDemoteProbeInterval = DEFAULT_FAILOVER_DEMOTE_PROBE_INTERVAL;
  List<InetSocketAddress> memcachedServers = List.of();
  MemcacheSecurityStrategy memcacheSecurityStrategy = MemcacheSecurityStrategy.NONE;
  @Nullable String memcacheSecretKey;
  Duration memcacheSocketTimeout = DEFAULT_MEMCACHE_SOCKET_TIMEOUT;
  Duration memcacheDeadRetry = DEFAULT_MEMCACHE_DEAD_RETRY;
  int memcachePoolMaxsize = DEFAULT_MEMCACHE_POOL_MAXSIZE;
  @Nullable String redisUrl;
  @Nullable Path redisCafile;
  SharedCacheSettings.EntryFormat memcacheEntryFormat = SharedCacheSettings.EntryFormat.NATIVE;
  @Nullable SharedCacheStoreProvider sharedCacheStore;
  Clock clock = Clock.systemUTC();
  @Nullable String metricsJmxName;

  KeystoneAuthConfigBuilder() {}

  /**
   * {@code auth_url}: adds a Keystone endpoint; the first added is the primary. Accepts {@code
   * http(s)://host:port[/path]}, with or without a trailing {@code /v3}.
   *
   * @throws IllegalArgumentException naming the option and the value if it is not such a URL
   */
  public KeystoneAuthConfigBuilder authUrl(String url) {
    authUrls.add(keystoneUrl("auth_url", url));
    return this;
  }

  /** {@code username}: the service user. Required. */
  public KeystoneAuthConfigBuilder username(String value) {
    this.username = nonBlank("username", value);
    return this;
  }

  /** {@code password}: the service user's password. Required. */
  public KeystoneAuthConfigBuilder password(String value) {
    this.password = nonBlank("password", value, false);
    return this;
  }

  /** {@code project_name}: the project the service token is scoped to. Required. */
  public KeystoneAuthConfigBuilder projectName(String value) {
    this.projectName = nonBlank("project_name", value);
    return this;
  }

  /**
   * {@code auth_type}: {@code password} (also {@code v3password}; the default) or {@code
   * v3applicationcredential}.
   */
  public KeystoneAuthConfigBuilder authType(AuthType value) {
    this.authType = Objects.requireNonNull(value, "auth_type");
    return this;
  }

  /** {@code application_credential_id}: the credential to log in with. */
  public KeystoneAuthConfigBuilder applicationCredentialId(String value) {
    this.applicationCredentialId = nonBlank("application_credential_id", value);
    return this;
  }

  /** {@code application_credential_name}: with {@code username}, instead of the id. */
  public KeystoneAuthConfigBuilder applicationCredentialName(String value) {
    this.applicationCredentialName = nonBlank("application_credential_name", value);
    return this;
  }

  /** {@code application_credential_secret}: required with an application credential. */
  public KeystoneAuthConfigBuilder applicationCredentialSecret(String value) {
    this.applicationCredentialSecret = nonBlank("application_credential_secret", value, false);
    return this;
  }

  /** {@code user_domain_name}, default {@value KeystoneAuthConfig#DEFAULT_DOMAIN_NAME}. */
  public KeystoneAuthConfigBuilder userDomainName(String value) {
    this.userDomainName = nonBlank("user_domain_name", value);
    return this;
  }

  /** {@code project_domain_name}, default {@value KeystoneAuthConfig#DEFAULT_DOMAIN_NAME}. */
  public KeystoneAuthConfigBuilder projectDomainName(String value) {
    this.projectDomainName = nonBlank("project_domain_name", value);
    return this;
  }

  /** {@code www_authenticate_uri}: sent in 401 answers; default the first {@code auth_url}. */
  public KeystoneAuthConfigBuilder wwwAuthenticateUri(String value) {
    this.wwwAuthenticateUri = absoluteUrl("www_authenticate_uri", value);
    return this;
  }

  /** {@code delay_auth_decision}, default false. */
  public KeystoneAuthConfigBuilder delayAuthDecision(boolean value) {
    this.delayAuthDecision = value;
    return this;
  }

  /**
   * {@code token_cache_time}: how long a valid identity is cached (capped at the token's own
   * expiry), default 300 s; zero or negative (keystonemiddleware's {@code -1}) disables caching.
   */
  public KeystoneAuthConfigBuilder tokenCacheTime(Duration value) {
    this.tokenCacheTime = value.isNegative() ? Duration.ZERO : value;
    return this;
  }

  /** {@code token_cache_max_entries}: the most identities cached, default 10,000; at least 1. */
  public KeystoneAuthConfigBuilder tokenCacheMaxEntries(long value) {
    this.tokenCacheMaxEntries = atLeastOne("token_cache_max_entries", value);
    return this;
  }

  /** {@code include_service_catalog}, default true. */
  public KeystoneAuthConfigBuilder includeServiceCatalog(boolean value) {
    this.includeServiceCatalog = value;
    return this;
  }

  /**
   * {@code invalid_token_cache_time}: how long an invalid answer is cached, default 5 s; zero or
   * negative caches none.
   */
  public KeystoneAuthConfigBuilder invalidTokenCacheTime(Duration value) {
    this.invalidTokenCacheTime = value.isNegative() ? Duration.ZERO : value;
    return this;
  }

  /** {@code invalid_token_cache_max_entries}: most invalid answers cached, default 10,000. */
  public KeystoneAuthConfigBuilder invalidTokenCacheMaxEntries(long value) {
    this.invalidTokenCacheMaxEntries = atLeastOne("invalid_token_cache_max_entries", value);
    return this;
  }

  /** {@code service_token_roles}: a service token needs one of these roles, default service. */
  public KeystoneAuthConfigBuilder serviceTokenRoles(List<String> roles) {
    this.serviceTokenRoles = roleList("service_token_roles", roles);
    return this;
  }

  /**
   * {@code service_token_roles_required}, default true (keystonemiddleware 13.0): a service token
   * without one of the roles is Invalid; if false it is Confirmed anyway (logged once) and the
   * roles only decide {@code allow_expired}.
   */
  public KeystoneAuthConfigBuilder serviceTokenRolesRequired(boolean value) {
    this.serviceTokenRolesRequired = value;
    return this;
  }

  /**
   * {@code excluded_paths}: paths (within the application, as the container decodes and normalises
   * them) let through without a token. {@code /health} matches that path exactly; {@code /health/*}
   * matches {@code /health} and everything below it, not {@code /healthz}. Identity headers are
   * still stripped on these paths.
   */
  public KeystoneAuthConfigBuilder excludedPaths(List<String> paths) {
    this.excludedPaths = excludedPathList("excluded_paths", paths);
    return this;
  }

  /**
   * {@code service_type}: this service's type in the catalog (e.g. {@code compute}). Needed to
   * accept tokens of application credentials that have access rules; without it such tokens get
   * 401, as in keystonemiddleware.
   */
  public KeystoneAuthConfigBuilder serviceType(String value) {
    this.serviceType = nonBlank("service_type", value);
    return this;
  }

  /** {@code cafile}: a readable PEM file of CA certificates that Keystone's TLS chains to. */
  public KeystoneAuthConfigBuilder cafile(String path) {
    this.cafile = readable("cafile", path);
    return this;
  }

  /** {@code certfile}: a readable PEM client certificate (chain); needs {@code keyfile}. */
  public KeystoneAuthConfigBuilder certfile(String path) {
    this.certfile = readable("certfile", path);
    return this;
  }

  /** {@code keyfile}: a readable unencrypted PKCS#8 PEM private key for {@code certfile}. */
  public KeystoneAuthConfigBuilder keyfile(String path) {
    this.keyfile = readable("keyfile", path);
    return this;
  }

  /**
   * {@code insecure}, default false: accept any TLS certificate from Keystone. For tests only;
   * logged as a warning at start.
   */
  public KeystoneAuthConfigBuilder insecure(boolean value) {
    this.insecure = value;
    return this;
  }

  /** {@code http_connect_timeout}, default 2 s; must be positive. */
  public KeystoneAuthConfigBuilder httpConnectTimeout(Duration value) {
    this.httpConnectTimeout = positive("http_connect_timeout", value);
    return this;
  }

  /** {@code http_request_timeout}: the longest wait for one answer, default 5 s; positive. */
  public KeystoneAuthConfigBuilder httpRequestTimeout(Duration value) {
    this.httpRequestTimeout = positive("http_request_timeout", value);
    return this;
  }

  /** {@code http_max_connections_per_endpoint}: pooled connections, default 32; at least 1. */
  public KeystoneAuthConfigBuilder maxConnectionsPerEndpoint(int value) {
    this.maxConnectionsPerEndpoint = atLeastOne("http_max_connections_per_endpoint", value);
    return this;
  }

  /**
   * {@code max_concurrent_validations}: the most token validations in flight to Keystone at once,
   * default 64; a request beyond it gets 503 with {@code Retry-After: 1} at once instead of
   * queueing. Cache hits and requests sharing an in-flight validation do not count.
   */
  public KeystoneAuthConfigBuilder maxConcurrentValidations(int value) {
    this.maxConcurrentValidations = atLeastOne("max_concurrent_validations", value);
    return this;
  }

  /** {@code failover_deadline}: the longest one request spends on Keystone, default 10 s. */
  public KeystoneAuthConfigBuilder failoverDeadline(Duration value) {
    this.failoverDeadline = positive("failover_deadline", value);
    return this;
  }

  /** {@code failover_failure_threshold}: consecutive failures that open a breaker, default 3. */
  public KeystoneAuthConfigBuilder failoverFailureThreshold(int value) {
    this.failoverFailureThreshold = atLeastOne("failover_failure_threshold", value);
    return this;
  }

  /** {@code failover_open_seconds}: how long a breaker first stays open, default 5 s. */
  public KeystoneAuthConfigBuilder failoverOpen(Duration value) {
    this.failoverOpen = positive("failover_open_seconds", value);
    return this;
  }

  /** {@code failover_max_open_seconds}: the longest a breaker stays open, default 60 s. */
  public KeystoneAuthConfigBuilder failoverMaxOpen(Duration value) {
    this.failoverMaxOpen = positive("failover_max_open_seconds", value);
    return this;
  }

  /**
   * {@code failover_hedge_delay} set to a number of seconds: when the endpoint asked has not
   * answered within it, the next admitted endpoint is asked too and the first definite answer wins.
   */
  public KeystoneAuthConfigBuilder failoverHedgeDelay(Duration value) {
    this.failoverHedgeDelay = positive("failover_hedge_delay", value);
    this.failoverHedgeMode = HedgeMode.FIXED;
    return this;
  }

  /**
   * {@code failover_hedge_delay=adaptive} (the default): each endpoint's hedge delay is the 99th
   * percentile of its recent answers, within {@code failover_hedge_delay_min} and {@code _max}.
   */
  public KeystoneAuthConfigBuilder failoverHedgeDelayAdaptive() {
    this.failoverHedgeDelay = null;
    this.failoverHedgeMode = HedgeMode.ADAPTIVE;
    return this;
  }

  /** {@code failover_hedge_delay=off}: one endpoint at a time, no hedges and no demotion. */
  public KeystoneAuthConfigBuilder failoverHedgeOff() {
    this.failoverHedgeDelay = null;
    this.failoverHedgeMode = HedgeMode.OFF;
    return this;
  }

  /** {@code failover_hedge_delay_min}: the shortest adaptive hedge delay, default 0.05 s. */
  public KeystoneAuthConfigBuilder failoverHedgeDelayMin(Duration value) {
    this.failoverHedgeDelayMin = positive("failover_hedge_delay_min", value);
    return this;
  }

  /**
   * {@code failover_hedge_delay_max}: the longest adaptive hedge delay (and the delay of an
   * endpoint with fewer than 32 answers seen), default 0.5 s.
   */
  public KeystoneAuthConfigBuilder failoverHedgeDelayMax(Duration value) {
    this.failoverHedgeDelayMax = positive("failover_hedge_delay_max", value);
    return this;
  }

  /**
   * {@code failover_hedge_budget}: hedges allowed per validation, 0 to 1, default 0.1 (plus a burst
   * of 10, so that a site going bad is hedged at once).
   */
  public KeystoneAuthConfigBuilder failoverHedgeBudget(double value) {
    this.failoverHedgeBudget = fraction("failover_hedge_budget", value);
    return this;
  }

  /**
   * {@code failover_demote_after}: races lost in a row (a call unanswered at its hedge delay and
   * still pending when another endpoint's answer was used) that demote an endpoint behind the
   * others, default 3; 0 never demotes.
   */
  public KeystoneAuthConfigBuilder failoverDemoteAfter(int value) {
    this.failoverDemoteAfter = notNegative("failover_demote_after", value);
    return this;
  }

  /**
   * {@code failover_demote_probe_interval}: how often a demoted endpoint is probed (alongside a
   * request, costing it no time), default 2 s; two on-time answers in a row restore it.
   */
  public KeystoneAuthConfigBuilder failoverDemoteProbeInterval(Duration value) {
    this.failoverDemoteProbeInterval = positive("failover_demote_probe_interval", value);
    return this;
  }

  /** {@code failover_on_not_found}: ask the next endpoints after a 404, default false. */
  public KeystoneAuthConfigBuilder failoverOnNotFound(boolean value) {
    this.failoverOnNotFound = value;
    return this;
  }

  /**
   * {@code memcached_servers}: {@code host:port} of each memcached server of the shared token cache
   * ({@code [::1]:11211} for IPv6). Unset (the default): no shared cache, each instance validates
   * on its own. The port is required.
   */
  public KeystoneAuthConfigBuilder memcachedServers(List<String> servers) {
    List<InetSocketAddress> parsed = new ArrayList<>();
    for (String server : servers) {
      parsed.add(hostPort("memcached_servers", server));
    }
    this.memcachedServers = List.copyOf(parsed);
    return this;
  }

  /** {@code memcache_security_strategy}, default {@code None}. */
  public KeystoneAuthConfigBuilder memcacheSecurityStrategy(MemcacheSecurityStrategy value) {
    this.memcacheSecurityStrategy = Objects.requireNonNull(value, "memcache_security_strategy");
    return this;
  }

  /** {@code memcache_secret_key}: required with the MAC and ENCRYPT strategies. */
  public KeystoneAuthConfigBuilder memcacheSecretKey(String value) {
    this.memcacheSecretKey = nonBlank("memcache_secret_key", value, false);
    return this;
  }

  /** {@code memcache_pool_socket_timeout}: the longest one memcached call takes, default 1 s. */
  public KeystoneAuthConfigBuilder memcacheSocketTimeout(Duration value) {
    this.memcacheSocketTimeout = positive("memcache_pool_socket_timeout", value);
    return this;
  }

  /** {@code memcache_pool_dead_retry}: how long a failed memcached is skipped, default 300 s. */
  public KeystoneAuthConfigBuilder memcacheDeadRetry(Duration value) {
    this.memcacheDeadRetry = positive("memcache_pool_dead_retry", value);
    return this;
  }

  /** {@code memcache_pool_maxsize}: connections to each memcached server, default 2. */
  public KeystoneAuthConfigBuilder memcachePoolMaxsize(int value) {
    this.memcachePoolMaxsize = atLeastOne("memcache_pool_maxsize", value);
    return this;
  }

  /**
   * {@code redis_url}: the shared token cache on Redis or Valkey instead of memcached (needs the
   * {@code keystone-auth-redis} module on the class path): {@code redis://[user:password@]host
   * [:port][/db]}, {@code rediss://...} for TLS, {@code redis-sentinel://host:port[,host:port]
   * #master}, {@code redis-cluster://host:port[,host:port]} (and their {@code rediss-} forms).
   * Entries are protected by {@code memcache_security_strategy} as on memcached; each call waits at
   * most {@code memcache_pool_socket_timeout}, and a failing Redis is skipped for {@code
   * memcache_pool_dead_retry}. Not together with {@code memcached_servers}.
   *
   * @throws IllegalArgumentException naming the option and the value (password masked)
   */
  public KeystoneAuthConfigBuilder redisUrl(String value) {
    this.redisUrl = redisUrlForm("redis_url", nonBlank("redis_url", value, false));
    return this;
  }

  /**
   * {@code redis_cafile}: a readable PEM file of CA certificates that a {@code rediss} server's
   * certificate chains to; unset: the JVM's trusted CAs.
   */
  public KeystoneAuthConfigBuilder redisCafile(String path) {
    this.redisCafile = readable("redis_cafile", path);
    return this;
  }

  /**
   * {@code memcache_entry_format}: {@code native} (default) or {@code keystonemiddleware}, whose
   * entries in memcached (its key scheme, protected by the same {@code memcache_security_strategy}
   * and {@code memcache_secret_key}) Python services running keystonemiddleware's {@code
   * auth_token} read and write too. Only with {@code memcached_servers}.
   */
  public KeystoneAuthConfigBuilder memcacheEntryFormat(SharedCacheSettings.EntryFormat value) {
    this.memcacheEntryFormat = Objects.requireNonNull(value, "memcache_entry_format");
    return this;
  }

  /**
   * Puts the shared token cache on the store that {@code provider} opens, instead of memcached
   * ({@code memcached_servers}) or Redis ({@code redis_url}), which must then be unset: for a store
   * the application already has, such as the Spring Boot starter's {@code
   * keystone.auth.shared-cache=spring-data-redis}. Everything else is as on memcached: the entries
   * are protected by {@code memcache_security_strategy}, live {@code token_cache_time} on the
   * store, each call waits at most {@code memcache_pool_socket_timeout}, and a failing store is
   * skipped for {@code memcache_pool_dead_retry}.
   *
   * <p>Each filter or validator made from the built configuration calls {@link
   * SharedCacheStoreProvider#open} once when it starts, and closes that store when it stops. {@link
   * SharedCacheStoreProvider#option()} names the setting that chose the provider in messages (e.g.
   * {@code memcached_servers and keystone.auth.shared-cache are both set}); the store's {@code
   * toString()} names it in the start-up log, so it must not show a password.
   */
  public KeystoneAuthConfigBuilder sharedCacheStore(SharedCacheStoreProvider provider) {
    this.sharedCacheStore = Objects.requireNonNull(provider, "sharedCacheStore");
    return this;
  }

  /** The time source for breakers and the cache; tests pass a fake. */
  public KeystoneAuthConfigBuilder clock(Clock value) {
    this.clock = Objects.requireNonNull(value, "clock");
    return this;
  }

  /**
   * {@code metrics_jmx_name}: registers the filter's metrics as read-only MXBeans in the platform
   * MBean server, {@code io.github.keystoneauthfilter:type=KeystoneAuthFilter,name=<value>} plus
   * one per endpoint, removed on {@code destroy()}; unset (the default): no JMX. Letters, digits,
   * {@code .}, {@code _} and {@code -}, at most 100; unique within the JVM.
   */
  public KeystoneAuthConfigBuilder metricsJmxName(String value) {
    this.metricsJmxName = jmxName("metrics_jmx_name", value);
    return this;
  }

  /**
   * Builds the settings.
   *
   * @throws IllegalArgumentException naming the first required option that is missing, or a
   *     combination that cannot work
   */
  public KeystoneAuthConfig build() {
    if (authUrls.isEmpty()) {
      throw new IllegalArgumentException(
          "auth_url is required: a comma-separated list of Keystone URLs, primary first");
    }
    if (failoverMaxOpen.compareTo(failoverOpen) < 0) {
      throw new IllegalArgumentException(
          "failover_max_open_seconds ("
              + secondsText(failoverMaxOpen)
              + ") must not be less than failover_open_seconds ("
              + secondsText(failoverOpen)
              + ")");
    }
    if (failoverHedgeDelayMax.compareTo(failoverHedgeDelayMin) < 0) {
      throw new IllegalArgumentException(
          "failover_hedge_delay_max ("
              + secondsText(failoverHedgeDelayMax)
              + ") must not be less than failover_hedge_delay_min ("
              + secondsText(failoverHedgeDelayMin)
              + ")");
    }
    TlsSettings tls = ConfigGroups.tls(cafile, certfile, keyfile, insecure);
    Credentials credentials =
        ConfigGroups.credentials(
            authType,
            username,
            password,
            projectName,
            applicationCredentialId,
            applicationCredentialName,
            applicationCredentialSecret,
            userDomainName,
            projectDomainName);
    SharedCacheSettings sharedCache =
        ConfigGroups.sharedCache(
            memcachedServers,
            memcacheSecurityStrategy,
            memcacheSecretKey,
            memcacheSocketTimeout,
            memcacheDeadRetry,
            memcachePoolMaxsize,
            redisUrl,
            redisCafile,
            memcacheEntryFormat,
            sharedCacheStore);
    return new KeystoneAuthConfig(this, authUrls, credentials, tls, sharedCache);
  }
}
