package io.github.keystoneauthfilter;

import io.github.keystoneauthfilter.config.Credentials;
import io.github.keystoneauthfilter.config.FailoverSettings;
import io.github.keystoneauthfilter.config.HedgeSettings;
import io.github.keystoneauthfilter.config.RedisSettings;
import io.github.keystoneauthfilter.config.SharedCacheSettings;
import io.github.keystoneauthfilter.config.TlsSettings;
import io.github.keystoneauthfilter.config.TokenCacheSettings;
import io.github.keystoneauthfilter.internal.config.InitParameters;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The filter's settings: immutable, built with {@link #builder()} (programmatic and Spring use) or
 * from init-params named as keystonemiddleware's {@code [keystone_authtoken]} options (see {@link
 * KeystoneAuthFilter}). Each setter rejects a bad value at once with a message naming the option
 * and the value; {@link KeystoneAuthConfigBuilder#build()} rejects missing required options.
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
  private final HedgeSettings hedging;
  private final SharedCacheSettings sharedCache;
  private final @Nullable String memcacheSecretKey;
  private final Clock clock;
  private final @Nullable String metricsJmxName;

  KeystoneAuthConfig(
      KeystoneAuthConfigBuilder b,
      List<URI> authUrls,
      Credentials credentials,
      TlsSettings tls,
      SharedCacheSettings sharedCache) {
    this.authUrls = List.copyOf(authUrls);
    this.credentials = credentials;
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
    this.hedging =
        new HedgeSettings(
            b.failoverHedgeMode,
            b.failoverHedgeDelay,
            b.failoverHedgeDelayMin,
            b.failoverHedgeDelayMax,
            b.failoverHedgeBudget,
            b.failoverDemoteAfter,
            b.failoverDemoteProbeInterval);
    this.sharedCache = sharedCache;
    this.memcacheSecretKey = b.memcacheSecretKey;
    this.clock = b.clock;
    this.metricsJmxName = b.metricsJmxName;
  }

  /** A builder with every default set and nothing required filled in. */
  public static KeystoneAuthConfigBuilder builder() {
    return new KeystoneAuthConfigBuilder();
  }

  /**
   * A builder filled from options named as keystonemiddleware's (the filter's init-params): {@code
   * config_file} is read and {@code ${NAME}} is replaced from the environment, as in web.xml. For
   * frameworks that hold the options as strings (Spring properties, say).
   *
   * @throws IllegalArgumentException naming the option and value of the first bad one
   */
  public static KeystoneAuthConfigBuilder fromOptions(Map<String, String> options) {
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

  /**
   * Hedged validation and the demotion of slow endpoints (the {@code failover_hedge_*} options).
   */
  public HedgeSettings hedging() {
    return hedging;
  }

  /** The in-process caches of valid identities and of invalid answers. */
  public TokenCacheSettings tokenCache() {
    return tokenCache;
  }

  /**
   * The shared cache in memcached or on Redis; its {@code servers} are empty and its {@code redis}
   * null when there is none.
   */
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

  /** The URI in {@code WWW-Authenticate: Keystone uri="…"}; the first auth_url if unset. */
  public URI wwwAuthenticateUri() {
    return wwwAuthenticateUri;
  }

  /** Whether requests without a valid token pass on as {@code X-Identity-Status: Invalid}. */
  public boolean delayAuthDecision() {
    return delayAuthDecision;
  }

  /** Whether {@code X-Service-Catalog} is set (else Keystone is asked with {@code ?nocatalog}). */
  public boolean includeServiceCatalog() {
    return includeServiceCatalog;
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

  /**
   * {@code memcache_secret_key} as set, whatever the strategy (the start-up log warns when it is
   * set but unused); the key in use is in {@link #sharedCache()}'s protection. Never log it.
   */
  public @Nullable String memcacheSecretKey() {
    return memcacheSecretKey;
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
    RedisSettings redis = sharedCache.redis();
    return "KeystoneAuthConfig[auth_url="
        + authUrls
        + ", credentials="
        + credentials
        + ", delay_auth_decision="
        + delayAuthDecision
        + ", token_cache_time="
        + tokenCache.time().toSeconds()
        + "s, failover_failure_threshold="
        + failover.failureThreshold()
        + ", memcached_servers="
        + sharedCache.servers()
        + (redis != null ? ", redis_url=" + redis.safeUrl() : "")
        + ", memcache_security_strategy="
        + memcacheSecurityStrategy().optionValue()
        + (sharedCache.entryFormat() != SharedCacheSettings.EntryFormat.NATIVE
            ? ", memcache_entry_format=" + sharedCache.entryFormat().optionValue()
            : "")
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
}
