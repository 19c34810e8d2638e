package io.github.keystoneauthfilter;

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
import static io.github.keystoneauthfilter.internal.config.OptionChecks.required;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.roleList;
import static io.github.keystoneauthfilter.internal.config.OptionChecks.secondsText;

import io.github.keystoneauthfilter.config.Credentials;
import io.github.keystoneauthfilter.config.FailoverSettings;
import io.github.keystoneauthfilter.config.SharedCacheSettings;
import io.github.keystoneauthfilter.config.TlsSettings;
import io.github.keystoneauthfilter.config.TokenCacheSettings;
import io.github.keystoneauthfilter.internal.config.InitParameters;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The filter's settings: immutable, built with {@link #builder()} (programmatic and Spring use) or
 * from init-params named as keystonemiddleware's {@code [keystone_authtoken]} options (see {@link
 * KeystoneAuthFilter}). Each setter rejects a bad value at once with a message naming the option
 * and the value; {@link Builder#build()} rejects missing required options.
 */
public final class KeystoneAuthConfig {
  /** Default of {@code user_domain_name} and {@code project_domain_name}. */
  public static final String DEFAULT_DOMAIN_NAME = "Default";

  /** Default of {@code token_cache_time}: 300 s, as keystonemiddleware. */
  public static final Duration DEFAULT_TOKEN_CACHE_TIME = Duration.ofSeconds(300);

  /** Default of {@code token_cache_max_entries}. */
  public static final long DEFAULT_TOKEN_CACHE_MAX_ENTRIES = 10_000;

  /** Default of {@code http_connect_timeout}. keystonemiddleware has none (waits forever). */
  public static final Duration DEFAULT_HTTP_CONNECT_TIMEOUT = Duration.ofSeconds(2);

  /** Default of {@code http_request_timeout}: the longest wait for one Keystone answer. */
  public static final Duration DEFAULT_HTTP_REQUEST_TIMEOUT = Duration.ofSeconds(5);

  /** Default of {@code failover_deadline}: the longest one request spends on Keystone in all. */
  public static final Duration DEFAULT_FAILOVER_DEADLINE = Duration.ofSeconds(10);

  /** Default of {@code failover_hedge_delay_min}: the shortest adaptive hedge delay. */
  public static final Duration DEFAULT_FAILOVER_HEDGE_DELAY_MIN = Duration.ofMillis(50);

  /** Default of {@code failover_hedge_delay_max}: the longest adaptive hedge delay. */
  public static final Duration DEFAULT_FAILOVER_HEDGE_DELAY_MAX = Duration.ofMillis(500);

  /** Default of {@code failover_hedge_budget}: hedges per validation, at most. */
  public static final double DEFAULT_FAILOVER_HEDGE_BUDGET = 0.1;

  /** Default of {@code failover_demote_after}: races lost in a row that demote an endpoint. */
  public static final int DEFAULT_FAILOVER_DEMOTE_AFTER = 3;

  /** Default of {@code failover_demote_probe_interval}: how often a demoted endpoint is probed. */
  public static final Duration DEFAULT_FAILOVER_DEMOTE_PROBE_INTERVAL = Duration.ofSeconds(2);

  /** Default of {@code failover_failure_threshold}. */
  public static final int DEFAULT_FAILOVER_FAILURE_THRESHOLD = 3;

  /** Default of {@code failover_open_seconds}. */
  public static final Duration DEFAULT_FAILOVER_OPEN = Duration.ofSeconds(5);

  /** Default of {@code failover_max_open_seconds}. */
  public static final Duration DEFAULT_FAILOVER_MAX_OPEN = Duration.ofSeconds(60);

  /** Default of {@code invalid_token_cache_time}: invalid answers are kept 5 s. */
  public static final Duration DEFAULT_INVALID_TOKEN_CACHE_TIME = Duration.ofSeconds(5);

  /** Default of {@code invalid_token_cache_max_entries}. */
  public static final long DEFAULT_INVALID_TOKEN_CACHE_MAX_ENTRIES = 10_000;

  /** Default of {@code service_token_roles}, as keystonemiddleware. */
  public static final List<String> DEFAULT_SERVICE_TOKEN_ROLES = List.of("service");

  /** Default of {@code max_concurrent_validations}. */
  public static final int DEFAULT_MAX_CONCURRENT_VALIDATIONS = 64;

  /** Default of {@code http_max_connections_per_endpoint}. */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT = 32;

  /**
   * Default of {@code memcache_pool_socket_timeout}: 1 s (keystonemiddleware: 3 s). The longest a
   * request waits on memcached before going on to Keystone.
   */
  public static final Duration DEFAULT_MEMCACHE_SOCKET_TIMEOUT = Duration.ofSeconds(1);

  /** Default of {@code memcache_pool_dead_retry}: 300 s, as keystonemiddleware. */
  public static final Duration DEFAULT_MEMCACHE_DEAD_RETRY = Duration.ofSeconds(300);

  /**
   * Default of {@code memcache_pool_maxsize}: 2 connections per memcached server
   * (keystonemiddleware: up to 10). The client multiplexes requests over its connections, so few
   * are needed.
   */
  public static final int DEFAULT_MEMCACHE_POOL_MAXSIZE = 2;

  private final List<URI> authUrls;
  private final Credentials credentials;
  private final String projectDomainName;
  private final URI wwwAuthenticateUri;
  private final boolean delayAuthDecision;
  private final TokenCacheSettings tokenCache;
  private final boolean includeServiceCatalog;
  private final List<String> serviceTokenRoles;
  private final boolean serviceTokenRolesRequired;
  private final List<String> excludedPaths;
  private final @Nullable String serviceType;
  private final TlsSettings tls;
  private final Duration httpConnectTimeout;
  private final Duration httpRequestTimeout;
  private final int maxConnectionsPerEndpoint;
  private final int maxConcurrentValidations;
  private final FailoverSettings failover;
  private final HedgeMode failoverHedgeMode;
  private final @Nullable Duration failoverHedgeDelay;
  private final Duration failoverHedgeDelayMin;
  private final Duration failoverHedgeDelayMax;
  private final double failoverHedgeBudget;
  private final int failoverDemoteAfter;
  private final Duration failoverDemoteProbeInterval;
  private final SharedCacheSettings sharedCache;
  private final @Nullable String memcacheSecretKey;
  private final Clock clock;
  private final @Nullable String metricsJmxName;

  private KeystoneAuthConfig(
      Builder b,
      List<URI> authUrls,
      Credentials credentials,
      TlsSettings tls,
      SharedCacheSettings sharedCache) {
    this.authUrls = List.copyOf(authUrls);
    this.credentials = credentials;
    this.projectDomainName = b.projectDomainName;
    this.wwwAuthenticateUri = b.wwwAuthenticateUri != null ? b.wwwAuthenticateUri : authUrls.get(0);
    this.delayAuthDecision = b.delayAuthDecision;
    this.tokenCache =
        new TokenCacheSettings(
            b.tokenCacheTime,
            b.tokenCacheMaxEntries,
            b.invalidTokenCacheTime,
            b.invalidTokenCacheMaxEntries);
    this.includeServiceCatalog = b.includeServiceCatalog;
    this.serviceTokenRoles = List.copyOf(b.serviceTokenRoles);
    this.serviceTokenRolesRequired = b.serviceTokenRolesRequired;
    this.excludedPaths = List.copyOf(b.excludedPaths);
    this.serviceType = b.serviceType;
    this.tls = tls;
    this.httpConnectTimeout = b.httpConnectTimeout;
    this.httpRequestTimeout = b.httpRequestTimeout;
    this.maxConnectionsPerEndpoint = b.maxConnectionsPerEndpoint;
    this.maxConcurrentValidations = b.maxConcurrentValidations;
    this.failover =
        new FailoverSettings(
            b.failoverDeadline,
            b.failoverFailureThreshold,
            b.failoverOpen,
            b.failoverMaxOpen,
            b.failoverOnNotFound);
    this.failoverHedgeMode = b.failoverHedgeMode;
    this.failoverHedgeDelay = b.failoverHedgeDelay;
    this.failoverHedgeDelayMin = b.failoverHedgeDelayMin;
    this.failoverHedgeDelayMax = b.failoverHedgeDelayMax;
    this.failoverHedgeBudget = b.failoverHedgeBudget;
    this.failoverDemoteAfter = b.failoverDemoteAfter;
    this.failoverDemoteProbeInterval = b.failoverDemoteProbeInterval;
    this.sharedCache = sharedCache;
    this.memcacheSecretKey = b.memcacheSecretKey;
    this.clock = b.clock;
    this.metricsJmxName = b.metricsJmxName;
  }

  /** A builder with every default set and nothing required filled in. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder filled from options named as keystonemiddleware's (the filter's init-params): {@code
   * config_file} is read and {@code ${NAME}} is replaced from the environment, as in web.xml. For
   * frameworks that hold the options as strings (Spring properties, say).
   *
   * @throws IllegalArgumentException naming the option and value of the first bad one
   */
  public static Builder fromOptions(Map<String, String> options) {
    return InitParameters.parse(options);
  }

  /** How the filter logs in to Keystone: a password or an application credential. */
  public Credentials credentials() {
    return credentials;
  }

  /** TLS towards Keystone: trusted CAs, client certificate, {@code insecure}. */
  public TlsSettings tls() {
    return tls;
  }

  /** Deadline, circuit breakers and 404 handling across the ordered endpoints. */
  public FailoverSettings failover() {
    return failover;
  }

  /** {@code failover_hedge_delay}: adaptive (the default), a fixed delay, or off. */
  public HedgeMode failoverHedgeMode() {
    return failoverHedgeMode;
  }

  /** {@code failover_hedge_delay} when it is a fixed number of seconds; else null. */
  public @Nullable Duration failoverHedgeDelay() {
    return failoverHedgeDelay;
  }

  /** {@code failover_hedge_delay_min}: the shortest adaptive hedge delay. */
  public Duration failoverHedgeDelayMin() {
    return failoverHedgeDelayMin;
  }

  /** {@code failover_hedge_delay_max}: the longest adaptive hedge delay. */
  public Duration failoverHedgeDelayMax() {
    return failoverHedgeDelayMax;
  }

  /** {@code failover_hedge_budget}: hedges allowed per validation (plus a burst of 10). */
  public double failoverHedgeBudget() {
    return failoverHedgeBudget;
  }

  /** {@code failover_demote_after}: races lost in a row that demote an endpoint; 0: never. */
  public int failoverDemoteAfter() {
    return failoverDemoteAfter;
  }

  /** {@code failover_demote_probe_interval}: how often a demoted endpoint is probed. */
  public Duration failoverDemoteProbeInterval() {
    return failoverDemoteProbeInterval;
  }

  /** The in-process caches of valid identities and of invalid answers. */
  public TokenCacheSettings tokenCache() {
    return tokenCache;
  }

  /** The shared cache in memcached; its {@code servers} are empty when there is none. */
  public SharedCacheSettings sharedCache() {
    return sharedCache;
  }

  /** Keystone roots in order of preference (normalised: no trailing {@code /} or {@code /v3}). */
  public List<URI> authUrls() {
    return authUrls;
  }

  /** How the filter logs in: {@code password} or {@code v3applicationcredential}. */
  public AuthType authType() {
    return credentials instanceof Credentials.Password
        ? AuthType.PASSWORD
        : AuthType.APPLICATION_CREDENTIAL;
  }

  /** The service user's name (with an application credential named by name: its owner). */
  public @Nullable String username() {
    return credentials instanceof Credentials.Password p
        ? p.username()
        : ((Credentials.ApplicationCredential) credentials).username();
  }

  /** The service user's password. Never log it. */
  public @Nullable String password() {
    return credentials instanceof Credentials.Password p ? p.password() : null;
  }

  /** The project the service token is scoped to (password login). */
  public @Nullable String projectName() {
    return credentials instanceof Credentials.Password p ? p.projectName() : null;
  }

  /** {@code application_credential_id}. */
  public @Nullable String applicationCredentialId() {
    return credentials instanceof Credentials.ApplicationCredential a ? a.id() : null;
  }

  /** {@code application_credential_name}. */
  public @Nullable String applicationCredentialName() {
    return credentials instanceof Credentials.ApplicationCredential a ? a.name() : null;
  }

  /** {@code application_credential_secret}. Never log it. */
  public @Nullable String applicationCredentialSecret() {
    return credentials instanceof Credentials.ApplicationCredential a ? a.secret() : null;
  }

  /** The service user's domain name. */
  public String userDomainName() {
    return credentials instanceof Credentials.Password p
        ? p.userDomainName()
        : ((Credentials.ApplicationCredential) credentials).userDomainName();
  }

  /** The service project's domain name. */
  public String projectDomainName() {
    return projectDomainName;
  }

  /** The URI in {@code WWW-Authenticate: Keystone uri="…"}; the first auth_url if unset. */
  public URI wwwAuthenticateUri() {
    return wwwAuthenticateUri;
  }

  /** Whether requests without a valid token pass on as {@code X-Identity-Status: Invalid}. */
  public boolean delayAuthDecision() {
    return delayAuthDecision;
  }

  /** The longest a valid identity is cached; zero disables the cache. */
  public Duration tokenCacheTime() {
    return tokenCache.time();
  }

  /** The most identities the cache keeps. */
  public long tokenCacheMaxEntries() {
    return tokenCache.maxEntries();
  }

  /** Whether {@code X-Service-Catalog} is set (else Keystone is asked with {@code ?nocatalog}). */
  public boolean includeServiceCatalog() {
    return includeServiceCatalog;
  }

  /** How long an invalid answer is cached; zero caches none. */
  public Duration invalidTokenCacheTime() {
    return tokenCache.invalidTime();
  }

  /** The most invalid answers cached. */
  public long invalidTokenCacheMaxEntries() {
    return tokenCache.invalidMaxEntries();
  }

  /** Roles of which a service token must hold at least one. */
  public List<String> serviceTokenRoles() {
    return serviceTokenRoles;
  }

  /** Whether a service token without one of {@link #serviceTokenRoles()} is Invalid. */
  public boolean serviceTokenRolesRequired() {
    return serviceTokenRolesRequired;
  }

  /** Paths the filter lets through without a token (identity headers are still stripped). */
  public List<String> excludedPaths() {
    return excludedPaths;
  }

  /** {@code service_type}: this service's catalog type, for access rules; or null. */
  public @Nullable String serviceType() {
    return serviceType;
  }

  /** {@code cafile}: PEM CA bundle trusted for Keystone's TLS certificates, or null (JVM's). */
  public @Nullable Path cafile() {
    return tls.cafile();
  }

  /** {@code certfile}: PEM client certificate (chain) presented to Keystone, or null. */
  public @Nullable Path certfile() {
    TlsSettings.ClientCertificate client = tls.clientCertificate();
    return client == null ? null : client.certfile();
  }

  /** {@code keyfile}: PKCS#8 PEM private key of {@link #certfile()}, or null. */
  public @Nullable Path keyfile() {
    TlsSettings.ClientCertificate client = tls.clientCertificate();
    return client == null ? null : client.keyfile();
  }

  /** {@code insecure}: whether Keystone's TLS certificate is not verified at all. */
  public boolean insecure() {
    return tls.insecure();
  }

  /** The longest a connection attempt to Keystone may take. */
  public Duration httpConnectTimeout() {
    return httpConnectTimeout;
  }

  /** The longest to wait for one Keystone answer. */
  public Duration httpRequestTimeout() {
    return httpRequestTimeout;
  }

  /** Pooled connections per Keystone endpoint. */
  public int maxConnectionsPerEndpoint() {
    return maxConnectionsPerEndpoint;
  }

  /** The most token validations in flight to Keystone at once; more get 503 at once. */
  public int maxConcurrentValidations() {
    return maxConcurrentValidations;
  }

  /** The longest one request spends on Keystone across all endpoints. */
  public Duration failoverDeadline() {
    return failover.deadline();
  }

  /** Consecutive failures that open an endpoint's circuit breaker. */
  public int failoverFailureThreshold() {
    return failover.failureThreshold();
  }

  /** How long a breaker first stays open. */
  public Duration failoverOpen() {
    return failover.open();
  }

  /** The longest a breaker stays open after repeated openings. */
  public Duration failoverMaxOpen() {
    return failover.maxOpen();
  }

  /** Whether a 404 from one endpoint asks the next ones too before answering 401. */
  public boolean failoverOnNotFound() {
    return failover.onNotFound();
  }

  /** memcached servers of the shared token cache; empty when there is none. */
  public List<InetSocketAddress> memcachedServers() {
    return sharedCache.servers();
  }

  /** How shared cache entries are protected. */
  public MemcacheSecurityStrategy memcacheSecurityStrategy() {
    SharedCacheSettings.Protection protection = sharedCache.protection();
    if (protection instanceof SharedCacheSettings.Signed) {
      return MemcacheSecurityStrategy.MAC;
    }
    return protection instanceof SharedCacheSettings.Encrypted
        ? MemcacheSecurityStrategy.ENCRYPT
        : MemcacheSecurityStrategy.NONE;
  }

  /** The secret that signs and encrypts shared cache entries. Never log it. */
  public @Nullable String memcacheSecretKey() {
    return memcacheSecretKey;
  }

  /** The longest one memcached call may take. */
  public Duration memcacheSocketTimeout() {
    return sharedCache.socketTimeout();
  }

  /** How long a memcached server that failed is skipped. */
  public Duration memcacheDeadRetry() {
    return sharedCache.deadRetry();
  }

  /** Connections kept to each memcached server. */
  public int memcachePoolMaxsize() {
    return sharedCache.poolMaxsize();
  }

  /** The time source for breakers and the cache. */
  public Clock clock() {
    return clock;
  }

  /** {@code metrics_jmx_name}: the name the metrics are registered under in JMX, or null (none). */
  public @Nullable String metricsJmxName() {
    return metricsJmxName;
  }

  @Override
  public String toString() {
    return "KeystoneAuthConfig[auth_url="
        + authUrls
        + ", auth_type="
        + authType().optionValue()
        + ", username="
        + username()
        + ", project_name="
        + projectName()
        + ", password=***, delay_auth_decision="
        + delayAuthDecision
        + ", token_cache_time="
        + tokenCache.time().toSeconds()
        + "s, failover_failure_threshold="
        + failover.failureThreshold()
        + ", memcached_servers="
        + sharedCache.servers()
        + ", memcache_security_strategy="
        + memcacheSecurityStrategy().optionValue()
        + "]";
  }

  /** How {@code failover_hedge_delay} chooses when to ask a second endpoint. */
  public enum HedgeMode {
    /** {@code adaptive}: each endpoint's recent 99th percentile, within the min and max. */
    ADAPTIVE,
    /** A fixed number of seconds. */
    FIXED,
    /** {@code off}: one endpoint at a time, no hedges and no demotion. */
    OFF
  }

  /** How the filter logs in to Keystone for its service token. */
  public enum AuthType {
    /** {@code password}: username and password, scoped to a project. */
    PASSWORD("password"),
    /** {@code v3applicationcredential}: an application credential's id (or name) and secret. */
    APPLICATION_CREDENTIAL("v3applicationcredential");

    private final String optionValue;

    AuthType(String optionValue) {
      this.optionValue = optionValue;
    }

    /** The value of the {@code auth_type} option. */
    public String optionValue() {
      return optionValue;
    }
  }

  /**
   * {@code memcache_security_strategy}: how entries in the shared cache on memcached are protected.
   * Matched without regard to case; unlike keystonemiddleware, {@code encrypt} encrypts.
   */
  public enum MemcacheSecurityStrategy {
    /** {@code None}: plain entries; anyone who can write to memcached can forge identities. */
    NONE("None"),
    /** {@code MAC}: entries signed with a key derived from the secret and the token. */
    MAC("MAC"),
    /** {@code ENCRYPT}: entries signed and encrypted (AES-128-CBC, random IV). */
    ENCRYPT("ENCRYPT");

    private final String optionValue;

    MemcacheSecurityStrategy(String optionValue) {
      this.optionValue = optionValue;
    }

    /** The value of the option, spelled as keystonemiddleware documents it. */
    public String optionValue() {
      return optionValue;
    }
  }

  /**
   * Builds a {@link KeystoneAuthConfig}. Setters named after the keystonemiddleware option they
   * set. Not thread-safe.
   */
  public static final class Builder {
    private final List<URI> authUrls = new ArrayList<>();
    private @Nullable String username;
    private @Nullable String password;
    private @Nullable String projectName;
    private AuthType authType = AuthType.PASSWORD;
    private @Nullable String applicationCredentialId;
    private @Nullable String applicationCredentialName;
    private @Nullable String applicationCredentialSecret;
    private String userDomainName = DEFAULT_DOMAIN_NAME;
    private String projectDomainName = DEFAULT_DOMAIN_NAME;
    private @Nullable URI wwwAuthenticateUri;
    private boolean delayAuthDecision;
    private Duration tokenCacheTime = DEFAULT_TOKEN_CACHE_TIME;
    private long tokenCacheMaxEntries = DEFAULT_TOKEN_CACHE_MAX_ENTRIES;
    private boolean includeServiceCatalog = true;
    private Duration invalidTokenCacheTime = DEFAULT_INVALID_TOKEN_CACHE_TIME;
    private long invalidTokenCacheMaxEntries = DEFAULT_INVALID_TOKEN_CACHE_MAX_ENTRIES;
    private List<String> serviceTokenRoles = DEFAULT_SERVICE_TOKEN_ROLES;
    private boolean serviceTokenRolesRequired = true;
    private List<String> excludedPaths = List.of();
    private @Nullable String serviceType;
    private @Nullable Path cafile;
    private @Nullable Path certfile;
    private @Nullable Path keyfile;
    private boolean insecure;
    private Duration httpConnectTimeout = DEFAULT_HTTP_CONNECT_TIMEOUT;
    private Duration httpRequestTimeout = DEFAULT_HTTP_REQUEST_TIMEOUT;
    private int maxConnectionsPerEndpoint = DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT;
    private int maxConcurrentValidations = DEFAULT_MAX_CONCURRENT_VALIDATIONS;
    private Duration failoverDeadline = DEFAULT_FAILOVER_DEADLINE;
    private int failoverFailureThreshold = DEFAULT_FAILOVER_FAILURE_THRESHOLD;
    private Duration failoverOpen = DEFAULT_FAILOVER_OPEN;
    private Duration failoverMaxOpen = DEFAULT_FAILOVER_MAX_OPEN;
    private boolean failoverOnNotFound;
    private HedgeMode failoverHedgeMode = HedgeMode.ADAPTIVE;
    private @Nullable Duration failoverHedgeDelay;
    private Duration failoverHedgeDelayMin = DEFAULT_FAILOVER_HEDGE_DELAY_MIN;
    private Duration failoverHedgeDelayMax = DEFAULT_FAILOVER_HEDGE_DELAY_MAX;
    private double failoverHedgeBudget = DEFAULT_FAILOVER_HEDGE_BUDGET;
    private int failoverDemoteAfter = DEFAULT_FAILOVER_DEMOTE_AFTER;
    private Duration failoverDemoteProbeInterval = DEFAULT_FAILOVER_DEMOTE_PROBE_INTERVAL;
    private List<InetSocketAddress> memcachedServers = List.of();
    private MemcacheSecurityStrategy memcacheSecurityStrategy = MemcacheSecurityStrategy.NONE;
    private @Nullable String memcacheSecretKey;
    private Duration memcacheSocketTimeout = DEFAULT_MEMCACHE_SOCKET_TIMEOUT;
    private Duration memcacheDeadRetry = DEFAULT_MEMCACHE_DEAD_RETRY;
    private int memcachePoolMaxsize = DEFAULT_MEMCACHE_POOL_MAXSIZE;
    private Clock clock = Clock.systemUTC();
    private @Nullable String metricsJmxName;

    private Builder() {}

    /**
     * {@code auth_url}: adds a Keystone endpoint; the first added is the primary. Accepts {@code
     * http(s)://host:port[/path]}, with or without a trailing {@code /v3}.
     *
     * @throws IllegalArgumentException naming the option and the value if it is not such a URL
     */
    public Builder authUrl(String url) {
      authUrls.add(keystoneUrl("auth_url", url));
      return this;
    }

    /** {@code username}: the service user. Required. */
    public Builder username(String value) {
      this.username = nonBlank("username", value);
      return this;
    }

    /** {@code password}: the service user's password. Required. */
    public Builder password(String value) {
      this.password = nonBlank("password", value, false);
      return this;
    }

    /** {@code project_name}: the project the service token is scoped to. Required. */
    public Builder projectName(String value) {
      this.projectName = nonBlank("project_name", value);
      return this;
    }

    /**
     * {@code auth_type}: {@code password} (also {@code v3password}; the default) or {@code
     * v3applicationcredential}.
     */
    public Builder authType(AuthType value) {
      this.authType = Objects.requireNonNull(value, "auth_type");
      return this;
    }

    /** {@code application_credential_id}: the credential to log in with. */
    public Builder applicationCredentialId(String value) {
      this.applicationCredentialId = nonBlank("application_credential_id", value);
      return this;
    }

    /** {@code application_credential_name}: with {@code username}, instead of the id. */
    public Builder applicationCredentialName(String value) {
      this.applicationCredentialName = nonBlank("application_credential_name", value);
      return this;
    }

    /** {@code application_credential_secret}: required with an application credential. */
    public Builder applicationCredentialSecret(String value) {
      this.applicationCredentialSecret = nonBlank("application_credential_secret", value, false);
      return this;
    }

    /** {@code user_domain_name}, default {@value KeystoneAuthConfig#DEFAULT_DOMAIN_NAME}. */
    public Builder userDomainName(String value) {
      this.userDomainName = nonBlank("user_domain_name", value);
      return this;
    }

    /** {@code project_domain_name}, default {@value KeystoneAuthConfig#DEFAULT_DOMAIN_NAME}. */
    public Builder projectDomainName(String value) {
      this.projectDomainName = nonBlank("project_domain_name", value);
      return this;
    }

    /** {@code www_authenticate_uri}: sent in 401 answers; default the first {@code auth_url}. */
    public Builder wwwAuthenticateUri(String value) {
      this.wwwAuthenticateUri = absoluteUrl("www_authenticate_uri", value);
      return this;
    }

    /** {@code delay_auth_decision}, default false. */
    public Builder delayAuthDecision(boolean value) {
      this.delayAuthDecision = value;
      return this;
    }

    /**
     * {@code token_cache_time}: how long a valid identity is cached (capped at the token's own
     * expiry), default 300 s; zero or negative (keystonemiddleware's {@code -1}) disables caching.
     */
    public Builder tokenCacheTime(Duration value) {
      this.tokenCacheTime = value.isNegative() ? Duration.ZERO : value;
      return this;
    }

    /** {@code token_cache_max_entries}: the most identities cached, default 10,000; at least 1. */
    public Builder tokenCacheMaxEntries(long value) {
      this.tokenCacheMaxEntries = atLeastOne("token_cache_max_entries", value);
      return this;
    }

    /** {@code include_service_catalog}, default true. */
    public Builder includeServiceCatalog(boolean value) {
      this.includeServiceCatalog = value;
      return this;
    }

    /**
     * {@code invalid_token_cache_time}: how long an invalid answer is cached, default 5 s; zero or
     * negative caches none.
     */
    public Builder invalidTokenCacheTime(Duration value) {
      this.invalidTokenCacheTime = value.isNegative() ? Duration.ZERO : value;
      return this;
    }

    /** {@code invalid_token_cache_max_entries}: most invalid answers cached, default 10,000. */
    public Builder invalidTokenCacheMaxEntries(long value) {
      this.invalidTokenCacheMaxEntries = atLeastOne("invalid_token_cache_max_entries", value);
      return this;
    }

    /** {@code service_token_roles}: a service token needs one of these roles, default service. */
    public Builder serviceTokenRoles(List<String> roles) {
      this.serviceTokenRoles = roleList("service_token_roles", roles);
      return this;
    }

    /**
     * {@code service_token_roles_required}, default true (keystonemiddleware 13.0): a service token
     * without one of the roles is Invalid; if false it is Confirmed anyway (logged once) and the
     * roles only decide {@code allow_expired}.
     */
    public Builder serviceTokenRolesRequired(boolean value) {
      this.serviceTokenRolesRequired = value;
      return this;
    }

    /**
     * {@code excluded_paths}: paths (within the application, as the container decodes and
     * normalises them) let through without a token. {@code /health} matches that path exactly;
     * {@code /health/*} matches {@code /health} and everything below it, not {@code /healthz}.
     * Identity headers are still stripped on these paths.
     */
    public Builder excludedPaths(List<String> paths) {
      this.excludedPaths = excludedPathList("excluded_paths", paths);
      return this;
    }

    /**
     * {@code service_type}: this service's type in the catalog (e.g. {@code compute}). Needed to
     * accept tokens of application credentials that have access rules; without it such tokens get
     * 401, as in keystonemiddleware.
     */
    public Builder serviceType(String value) {
      this.serviceType = nonBlank("service_type", value);
      return this;
    }

    /** {@code cafile}: a readable PEM file of CA certificates that Keystone's TLS chains to. */
    public Builder cafile(String path) {
      this.cafile = readable("cafile", path);
      return this;
    }

    /** {@code certfile}: a readable PEM client certificate (chain); needs {@code keyfile}. */
    public Builder certfile(String path) {
      this.certfile = readable("certfile", path);
      return this;
    }

    /** {@code keyfile}: a readable unencrypted PKCS#8 PEM private key for {@code certfile}. */
    public Builder keyfile(String path) {
      this.keyfile = readable("keyfile", path);
      return this;
    }

    /**
     * {@code insecure}, default false: accept any TLS certificate from Keystone. For tests only;
     * logged as a warning at start.
     */
    public Builder insecure(boolean value) {
      this.insecure = value;
      return this;
    }

    /** {@code http_connect_timeout}, default 2 s; must be positive. */
    public Builder httpConnectTimeout(Duration value) {
      this.httpConnectTimeout = positive("http_connect_timeout", value);
      return this;
    }

    /** {@code http_request_timeout}: the longest wait for one answer, default 5 s; positive. */
    public Builder httpRequestTimeout(Duration value) {
      this.httpRequestTimeout = positive("http_request_timeout", value);
      return this;
    }

    /** {@code http_max_connections_per_endpoint}: pooled connections, default 32; at least 1. */
    public Builder maxConnectionsPerEndpoint(int value) {
      this.maxConnectionsPerEndpoint = atLeastOne("http_max_connections_per_endpoint", value);
      return this;
    }

    /**
     * {@code max_concurrent_validations}: the most token validations in flight to Keystone at once,
     * default 64; a request beyond it gets 503 with {@code Retry-After: 1} at once instead of
     * queueing. Cache hits and requests sharing an in-flight validation do not count.
     */
    public Builder maxConcurrentValidations(int value) {
      this.maxConcurrentValidations = atLeastOne("max_concurrent_validations", value);
      return this;
    }

    /** {@code failover_deadline}: the longest one request spends on Keystone, default 10 s. */
    public Builder failoverDeadline(Duration value) {
      this.failoverDeadline = positive("failover_deadline", value);
      return this;
    }

    /** {@code failover_failure_threshold}: consecutive failures that open a breaker, default 3. */
    public Builder failoverFailureThreshold(int value) {
      this.failoverFailureThreshold = atLeastOne("failover_failure_threshold", value);
      return this;
    }

    /** {@code failover_open_seconds}: how long a breaker first stays open, default 5 s. */
    public Builder failoverOpen(Duration value) {
      this.failoverOpen = positive("failover_open_seconds", value);
      return this;
    }

    /** {@code failover_max_open_seconds}: the longest a breaker stays open, default 60 s. */
    public Builder failoverMaxOpen(Duration value) {
      this.failoverMaxOpen = positive("failover_max_open_seconds", value);
      return this;
    }

    /**
     * {@code failover_hedge_delay} set to a number of seconds: when the endpoint asked has not
     * answered within it, the next admitted endpoint is asked too and the first definite answer
     * wins.
     */
    public Builder failoverHedgeDelay(Duration value) {
      this.failoverHedgeDelay = positive("failover_hedge_delay", value);
      this.failoverHedgeMode = HedgeMode.FIXED;
      return this;
    }

    /**
     * {@code failover_hedge_delay=adaptive} (the default): each endpoint's hedge delay is the 99th
     * percentile of its recent answers, within {@code failover_hedge_delay_min} and {@code _max}.
     */
    public Builder failoverHedgeDelayAdaptive() {
      this.failoverHedgeDelay = null;
      this.failoverHedgeMode = HedgeMode.ADAPTIVE;
      return this;
    }

    /** {@code failover_hedge_delay=off}: one endpoint at a time, no hedges and no demotion. */
    public Builder failoverHedgeOff() {
      this.failoverHedgeDelay = null;
      this.failoverHedgeMode = HedgeMode.OFF;
      return this;
    }

    /** {@code failover_hedge_delay_min}: the shortest adaptive hedge delay, default 0.05 s. */
    public Builder failoverHedgeDelayMin(Duration value) {
      this.failoverHedgeDelayMin = positive("failover_hedge_delay_min", value);
      return this;
    }

    /**
     * {@code failover_hedge_delay_max}: the longest adaptive hedge delay (and the delay of an
     * endpoint with fewer than 32 answers seen), default 0.5 s.
     */
    public Builder failoverHedgeDelayMax(Duration value) {
      this.failoverHedgeDelayMax = positive("failover_hedge_delay_max", value);
      return this;
    }

    /**
     * {@code failover_hedge_budget}: hedges allowed per validation, 0 to 1, default 0.1 (plus a
     * burst of 10, so that a site going bad is hedged at once).
     */
    public Builder failoverHedgeBudget(double value) {
      this.failoverHedgeBudget = fraction("failover_hedge_budget", value);
      return this;
    }

    /**
     * {@code failover_demote_after}: races lost in a row (a call unanswered at its hedge delay and
     * still pending when another endpoint's answer was used) that demote an endpoint behind the
     * others, default 3; 0 never demotes.
     */
    public Builder failoverDemoteAfter(int value) {
      this.failoverDemoteAfter = notNegative("failover_demote_after", value);
      return this;
    }

    /**
     * {@code failover_demote_probe_interval}: how often a demoted endpoint is probed (alongside a
     * request, costing it no time), default 2 s; two on-time answers in a row restore it.
     */
    public Builder failoverDemoteProbeInterval(Duration value) {
      this.failoverDemoteProbeInterval = positive("failover_demote_probe_interval", value);
      return this;
    }

    /** {@code failover_on_not_found}: ask the next endpoints after a 404, default false. */
    public Builder failoverOnNotFound(boolean value) {
      this.failoverOnNotFound = value;
      return this;
    }

    /**
     * {@code memcached_servers}: {@code host:port} of each memcached server of the shared token
     * cache ({@code [::1]:11211} for IPv6). Unset (the default): no shared cache, each instance
     * validates on its own. The port is required.
     */
    public Builder memcachedServers(List<String> servers) {
      List<InetSocketAddress> parsed = new ArrayList<>();
      for (String server : servers) {
        parsed.add(hostPort("memcached_servers", server));
      }
      this.memcachedServers = List.copyOf(parsed);
      return this;
    }

    /** {@code memcache_security_strategy}, default {@code None}. */
    public Builder memcacheSecurityStrategy(MemcacheSecurityStrategy value) {
      this.memcacheSecurityStrategy = Objects.requireNonNull(value, "memcache_security_strategy");
      return this;
    }

    /** {@code memcache_secret_key}: required with the MAC and ENCRYPT strategies. */
    public Builder memcacheSecretKey(String value) {
      this.memcacheSecretKey = nonBlank("memcache_secret_key", value, false);
      return this;
    }

    /** {@code memcache_pool_socket_timeout}: the longest one memcached call takes, default 1 s. */
    public Builder memcacheSocketTimeout(Duration value) {
      this.memcacheSocketTimeout = positive("memcache_pool_socket_timeout", value);
      return this;
    }

    /** {@code memcache_pool_dead_retry}: how long a failed memcached is skipped, default 300 s. */
    public Builder memcacheDeadRetry(Duration value) {
      this.memcacheDeadRetry = positive("memcache_pool_dead_retry", value);
      return this;
    }

    /** {@code memcache_pool_maxsize}: connections to each memcached server, default 2. */
    public Builder memcachePoolMaxsize(int value) {
      this.memcachePoolMaxsize = atLeastOne("memcache_pool_maxsize", value);
      return this;
    }

    /** The time source for breakers and the cache; tests pass a fake. */
    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /**
     * {@code metrics_jmx_name}: registers the filter's metrics as read-only MXBeans in the platform
     * MBean server, {@code io.github.keystoneauthfilter:type=KeystoneAuthFilter,name=<value>} plus
     * one per endpoint, removed on {@code destroy()}; unset (the default): no JMX. Letters, digits,
     * {@code .}, {@code _} and {@code -}, at most 100; unique within the JVM.
     */
    public Builder metricsJmxName(String value) {
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
      TlsSettings tls = tls();
      Credentials credentials = credentials();
      return new KeystoneAuthConfig(this, authUrls, credentials, tls, sharedCache());
    }

    private TlsSettings tls() {
      Path cert = certfile;
      Path key = keyfile;
      if (cert == null && key == null) {
        return new TlsSettings(cafile, null, insecure);
      }
      if (cert == null || key == null) {
        throw new IllegalArgumentException(
            cert == null
                ? "keyfile is set but certfile is not"
                : "certfile is set but keyfile is not");
      }
      return new TlsSettings(cafile, new TlsSettings.ClientCertificate(cert, key), insecure);
    }

    private Credentials credentials() {
      if (authType == AuthType.PASSWORD) {
        String user = required("username", username);
        String secret = required("password", password);
        String project = required("project_name", projectName);
        return new Credentials.Password(user, secret, userDomainName, project, projectDomainName);
      }
      String secret = required("application_credential_secret", applicationCredentialSecret);
      if (applicationCredentialId == null
          && (applicationCredentialName == null || username == null)) {
        throw new IllegalArgumentException(
            "auth_type v3applicationcredential needs application_credential_id, or"
                + " application_credential_name and username");
      }
      if (projectName != null || password != null) {
        throw new IllegalArgumentException(
            "auth_type v3applicationcredential takes no "
                + (projectName != null ? "project_name" : "password")
                + ": an application credential carries its own scope and secret");
      }
      return new Credentials.ApplicationCredential(
          applicationCredentialId, applicationCredentialName, username, userDomainName, secret);
    }

    private SharedCacheSettings sharedCache() {
      String key = memcacheSecretKey;
      if (memcacheSecurityStrategy != MemcacheSecurityStrategy.NONE && key == null) {
        throw new IllegalArgumentException(
            "memcache_secret_key is required when memcache_security_strategy is "
                + memcacheSecurityStrategy.optionValue());
      }
      SharedCacheSettings.Protection protection =
          switch (memcacheSecurityStrategy) {
            case NONE -> new SharedCacheSettings.Unprotected();
            case MAC -> new SharedCacheSettings.Signed(required("memcache_secret_key", key));
            case ENCRYPT -> new SharedCacheSettings.Encrypted(required("memcache_secret_key", key));
          };
      return new SharedCacheSettings(
          memcachedServers,
          protection,
          memcacheSocketTimeout,
          memcacheDeadRetry,
          memcachePoolMaxsize);
    }
  }
}
