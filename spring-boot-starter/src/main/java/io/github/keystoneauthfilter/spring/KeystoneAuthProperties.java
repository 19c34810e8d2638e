package io.github.keystoneauthfilter.spring;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.KeystoneAuthConfigBuilder;
import io.github.keystoneauthfilter.spi.SharedCacheStoreProvider;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * The filter's options under {@code keystone.auth.*}: each component is the keystonemiddleware
 * option of the same name in Spring's relaxed form ({@code projectName} is {@code
 * keystone.auth.project-name}, option {@code project_name}). An unset component keeps the filter's
 * default. Times are {@link Duration}s in seconds unless a unit is given ({@code 300}, {@code 5m},
 * {@code 500ms}); lists take Spring's list forms ({@code a,b} or {@code [0]=a}).
 *
 * <p>Adding an option of the filter is adding one component here: {@link #toOptions()} turns every
 * component except {@code enabled}, {@code sharedCache} and {@code security} into the option named
 * after it, and the filter checks the value ({@link KeystoneAuthConfig#fromOptions}). A bad value
 * stops start-up with the filter's message, the option named by its Spring name ({@link
 * #toConfig()}).
 *
 * @param enabled whether the starter sets anything up (default true; it also needs auth-url)
 * @param authUrl auth_url: Keystone URLs in order of preference, primary first
 * @param authType auth_type: password (default) or v3applicationcredential
 * @param username username: the service user the filter logs in as
 * @param password password of the service user; keep it out of the file (the environment variable
 *     KEYSTONE_AUTH_PASSWORD, or ${NAME})
 * @param projectName project_name of the service user
 * @param userDomainName user_domain_name (default Default)
 * @param projectDomainName project_domain_name (default Default)
 * @param applicationCredentialId application_credential_id
 * @param applicationCredentialName application_credential_name
 * @param applicationCredentialSecret application_credential_secret
 * @param wwwAuthenticateUri www_authenticate_uri: sent as WWW-Authenticate: Keystone uri="…" with
 *     every 401 (default the first auth-url)
 * @param delayAuthDecision delay_auth_decision: never answer 401/503 in the filter; requests
 *     without a valid token reach the application's own rules as anonymous (default false)
 * @param tokenCacheTime token_cache_time: how long a valid identity is cached, capped at the
 *     token's expiry; -1 or 0 disables (default 300 s)
 * @param tokenCacheMaxEntries token_cache_max_entries (default 10000)
 * @param invalidTokenCacheTime invalid_token_cache_time (default 5 s)
 * @param invalidTokenCacheMaxEntries invalid_token_cache_max_entries (default 10000)
 * @param includeServiceCatalog include_service_catalog (default true)
 * @param serviceTokenRoles service_token_roles (default service)
 * @param serviceTokenRolesRequired service_token_roles_required (default true)
 * @param serviceType service_type: this service's catalog type, for access rules
 * @param excludedPaths excluded_paths: paths let through without a token (/health, /public/*); the
 *     starter's default security chain permits exactly those requests
 * @param cafile cafile: PEM CA bundle for Keystone's TLS certificates
 * @param certfile certfile: PEM client certificate for mutual TLS
 * @param keyfile keyfile: PKCS#8 PEM key of certfile
 * @param insecure insecure: accept any TLS certificate (tests only; default false)
 * @param httpConnectTimeout http_connect_timeout (default 2 s)
 * @param httpRequestTimeout http_request_timeout (default 5 s)
 * @param httpMaxConnectionsPerEndpoint http_max_connections_per_endpoint (default 32)
 * @param maxConcurrentValidations max_concurrent_validations (default 64)
 * @param failoverDeadline failover_deadline (default 10 s)
 * @param failoverFailureThreshold failover_failure_threshold (default 3)
 * @param failoverOpenSeconds failover_open_seconds (default 5 s)
 * @param failoverMaxOpenSeconds failover_max_open_seconds (default 60 s)
 * @param failoverOnNotFound failover_on_not_found (default false)
 * @param failoverHedgeDelay failover_hedge_delay: adaptive (default), off, or seconds (e.g. 0.2)
 * @param failoverHedgeDelayMin failover_hedge_delay_min (default 0.05 s; Spring: 50ms)
 * @param failoverHedgeDelayMax failover_hedge_delay_max (default 0.5 s; Spring: 500ms)
 * @param failoverHedgeBudget failover_hedge_budget: hedges per validation, 0 to 1 (default 0.1)
 * @param failoverDemoteAfter failover_demote_after: races lost in a row that demote a site (default
 *     3; 0 never)
 * @param failoverDemoteProbeInterval failover_demote_probe_interval (default 2 s)
 * @param memcachedServers memcached_servers: host:port of a shared token cache
 * @param memcacheSecurityStrategy memcache_security_strategy: None, MAC or ENCRYPT
 * @param memcacheSecretKey memcache_secret_key
 * @param memcacheEntryFormat memcache_entry_format: native (default) or keystonemiddleware
 * @param memcachePoolSocketTimeout memcache_pool_socket_timeout (default 1 s)
 * @param memcachePoolDeadRetry memcache_pool_dead_retry (default 300 s)
 * @param memcachePoolMaxsize memcache_pool_maxsize (default 2)
 * @param redisUrl redis_url: the shared token cache on Redis/Valkey (needs keystone-auth-redis)
 * @param redisCafile redis_cafile: PEM CA certificates for a rediss:// Redis
 * @param metricsJmxName metrics_jmx_name: register the metrics as MXBeans under this name
 * @param configFile config_file: a properties file of more options (keystonemiddleware names);
 *     these properties beat it
 * @param sharedCache the starter's own, not a filter option: spring-data-redis puts the shared
 *     token cache on the application's Spring Data Redis RedisConnectionFactory
 *     (spring.data.redis.*) instead of memcached-servers or redis-url; unset (default): those
 *     decide
 * @param security how identities become Spring Security authorities
 */
@ConfigurationProperties("keystone.auth")
public record KeystoneAuthProperties(
    @DefaultValue("true") boolean enabled,
    @Nullable List<String> authUrl,
    @Nullable String authType,
    @Nullable String username,
    @Nullable String password,
    @Nullable String projectName,
    @Nullable String userDomainName,
    @Nullable String projectDomainName,
    @Nullable String applicationCredentialId,
    @Nullable String applicationCredentialName,
    @Nullable String applicationCredentialSecret,
    @Nullable String wwwAuthenticateUri,
    @Nullable Boolean delayAuthDecision,
    @DurationUnit(ChronoUnit.SECONDS) @Nullable Duration tokenCacheTime,
    @Nullable Long tokenCacheMaxEntries,
    @DurationUnit(ChronoUnit.SECONDS) @Nullable Duration invalidTokenCacheTime,
    @Nullable Long invalidTokenCacheMaxEntries,
    @Nullable Boolean includeServiceCatalog,
    @Nullable List<String> serviceTokenRoles,
    @Nullable Boolean serviceTokenRolesRequired,
    @Nullable String serviceType,
    @Nullable List<String> excludedPaths,
    @Nullable String cafile,
    @Nullable String certfile,
    @Nullable String keyfile,
    @Nullable Boolean insecure,
    @DurationUnit(ChronoUnit.SECONDS) @Nullable Duration httpConnectTimeout,
    @DurationUnit(ChronoUnit.SECONDS) @Nullable Duration httpRequestTimeout,
    @Nullable Integer httpMaxConnectionsPerEndpoint,
    @Nullable Integer maxConcurrentValidations,
    @DurationUnit(ChronoUnit.SECONDS) @Nullable Duration failoverDeadline,
    @Nullable Integer failoverFailureThreshold,
    @DurationUnit(ChronoUnit.SECONDS) @Nullable Duration failoverOpenSeconds,
    @DurationUnit(ChronoUnit.SECONDS) @Nullable Duration failoverMaxOpenSeconds,
    @Nullable Boolean failoverOnNotFound,
    @Nullable String failoverHedgeDelay,
    @DurationUnit(ChronoUnit.SECONDS) @Nullable Duration failoverHedgeDelayMin,
    @DurationUnit(ChronoUnit.SECONDS) @Nullable Duration failoverHedgeDelayMax,
    @Nullable Double failoverHedgeBudget,
    @Nullable Integer failoverDemoteAfter,
    @DurationUnit(ChronoUnit.SECONDS) @Nullable Duration failoverDemoteProbeInterval,
    @Nullable List<String> memcachedServers,
    @Nullable String memcacheSecurityStrategy,
    @Nullable String memcacheSecretKey,
    @Nullable String memcacheEntryFormat,
    @DurationUnit(ChronoUnit.SECONDS) @Nullable Duration memcachePoolSocketTimeout,
    @DurationUnit(ChronoUnit.SECONDS) @Nullable Duration memcachePoolDeadRetry,
    @Nullable Integer memcachePoolMaxsize,
    @Nullable String redisUrl,
    @Nullable String redisCafile,
    @Nullable String metricsJmxName,
    @Nullable String configFile,
    @Nullable String sharedCache,
    @DefaultValue Security security) {

  /** The prefix of every property. */
  public static final String PREFIX = "keystone.auth";

  /** Components that are the starter's own, not options of the filter. */
  private static final Set<String> NOT_OPTIONS = Set.of("enabled", "sharedCache", "security");

  private static final Pattern OPTION_NAME =
      Pattern.compile("\\b[a-z]+(?:_[a-z]+)+\\b|\\b[a-z]+\\b");

  /**
   * How a confirmed Keystone identity becomes Spring Security authorities ({@code
   * keystone.auth.security.*}).
   *
   * @param authorityPrefix put before each (mapped) role name; default ROLE_, so that
   *     hasRole('admin') matches the Keystone role admin
   * @param roleMappings Keystone role name to the name used for the authority, e.g.
   *     keystone.auth.security.role-mappings.member=user; roles not listed keep their name
   * @param methodSecurity whether the starter turns on @PreAuthorize (EnableMethodSecurity);
   *     default true
   */
  public record Security(
      @DefaultValue("ROLE_") String authorityPrefix,
      @DefaultValue Map<String, String> roleMappings,
      @DefaultValue("true") boolean methodSecurity) {}

  /**
   * Every set option, by its keystonemiddleware name, as the filter's init-params would hold it:
   * lists comma-joined, times in seconds (decimals when needed).
   */
  public Map<String, String> toOptions() {
    Map<String, String> options = new LinkedHashMap<>();
    for (RecordComponent component : KeystoneAuthProperties.class.getRecordComponents()) {
      if (NOT_OPTIONS.contains(component.getName())) {
        continue;
      }
      Object value;
      try {
        value = component.getAccessor().invoke(this);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + component.getName(), e);
      }
      if (value != null) {
        options.put(optionName(component.getName()), text(value));
      }
    }
    return options;
  }

  /**
   * The filter's configuration from these properties.
   *
   * @throws InvalidKeystonePropertiesException when a value is bad or a required one missing: the
   *     filter's message, each option in it named by its property ({@code
   *     keystone.auth.token-cache-time})
   */
  public KeystoneAuthConfig toConfig() {
    return toConfig(null);
  }

  /** {@link #toConfig()}, with the shared cache on {@code sharedCacheStore} when not null. */
  KeystoneAuthConfig toConfig(@Nullable SharedCacheStoreProvider sharedCacheStore) {
    try {
      KeystoneAuthConfigBuilder builder = KeystoneAuthConfig.fromOptions(toOptions());
      if (sharedCacheStore != null) {
        builder.sharedCacheStore(sharedCacheStore);
      }
      return builder.build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new InvalidKeystonePropertiesException(springNames(String.valueOf(e.getMessage())), e);
    }
  }

  /** {@code tokenCacheTime} → {@code token_cache_time}. */
  static String optionName(String component) {
    return component.replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
  }

  /** {@code token_cache_time} → {@code keystone.auth.token-cache-time}. */
  static String propertyName(String option) {
    return PREFIX + "." + option.replace('_', '-');
  }

  /** The message with each option name the filter used replaced by its property name. */
  static String springNames(String message) {
    Set<String> options = optionNames();
    Matcher matcher = OPTION_NAME.matcher(message);
    StringBuilder result = new StringBuilder();
    while (matcher.find()) {
      String word = matcher.group();
      matcher.appendReplacement(
          result, Matcher.quoteReplacement(options.contains(word) ? propertyName(word) : word));
    }
    matcher.appendTail(result);
    return result.toString();
  }

  private static Set<String> optionNames() {
    Set<String> names = new java.util.HashSet<>();
    for (RecordComponent component : KeystoneAuthProperties.class.getRecordComponents()) {
      if (!NOT_OPTIONS.contains(component.getName())) {
        names.add(optionName(component.getName()));
      }
    }
    return names;
  }

  private static String text(Object value) {
    if (value instanceof Duration duration) {
      return BigDecimal.valueOf(duration.getSeconds())
          .add(BigDecimal.valueOf(duration.getNano(), 9))
          .stripTrailingZeros()
          .toPlainString();
    }
    if (value instanceof List<?> list) {
      return String.join(",", list.stream().map(String::valueOf).toList());
    }
    return value.toString();
  }

  @Override
  public String toString() {
    return "KeystoneAuthProperties[authUrl=" + authUrl + ", username=" + username + ", …]";
  }
}
