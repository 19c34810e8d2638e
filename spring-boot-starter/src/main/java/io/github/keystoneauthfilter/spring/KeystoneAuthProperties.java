package io.github.keystoneauthfilter.spring;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
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
 * component except {@code enabled} and {@code security} into the option named after it, and the
 * filter checks the value ({@link KeystoneAuthConfig#fromOptions}). A bad value stops start-up with
 * the filter's message, the option named by its Spring name ({@link #toConfig()}).
 *
 * @param enabled whether the starter sets anything up (default true; it also needs {@code
 *     auth-url})
 * @param authUrl {@code auth_url}: Keystone URLs in order of preference, primary first
 * @param authType {@code auth_type}: {@code password} (default) or {@code v3applicationcredential}
 * @param username {@code username}: the service user the filter logs in as
 * @param password {@code password} of the service user; keep it out of the file ({@code
 *     KEYSTONE_AUTH_PASSWORD} in the environment, or {@code ${NAME}})
 * @param projectName {@code project_name} of the service user
 * @param userDomainName {@code user_domain_name} (default {@code Default})
 * @param projectDomainName {@code project_domain_name} (default {@code Default})
 * @param applicationCredentialId {@code application_credential_id}
 * @param applicationCredentialName {@code application_credential_name}
 * @param applicationCredentialSecret {@code application_credential_secret}
 * @param wwwAuthenticateUri {@code www_authenticate_uri}: sent as {@code WWW-Authenticate: Keystone
 *     uri="…"} with every 401 (default the first auth-url)
 * @param delayAuthDecision {@code delay_auth_decision}: never answer 401/503 in the filter;
 *     requests without a valid token reach the application's own rules as anonymous (default false)
 * @param tokenCacheTime {@code token_cache_time}: how long a valid identity is cached, capped at
 *     the token's expiry; {@code -1} or {@code 0} disables (default 300 s)
 * @param tokenCacheMaxEntries {@code token_cache_max_entries} (default 10000)
 * @param invalidTokenCacheTime {@code invalid_token_cache_time} (default 5 s)
 * @param invalidTokenCacheMaxEntries {@code invalid_token_cache_max_entries} (default 10000)
 * @param includeServiceCatalog {@code include_service_catalog} (default true)
 * @param serviceTokenRoles {@code service_token_roles} (default {@code service})
 * @param serviceTokenRolesRequired {@code service_token_roles_required} (default true)
 * @param serviceType {@code service_type}: this service's catalog type, for access rules
 * @param excludedPaths {@code excluded_paths}: paths let through without a token ({@code /health},
 *     {@code /public/*}); the starter's default security chain permits exactly those requests
 * @param cafile {@code cafile}: PEM CA bundle for Keystone's TLS certificates
 * @param certfile {@code certfile}: PEM client certificate for mutual TLS
 * @param keyfile {@code keyfile}: PKCS#8 PEM key of {@code certfile}
 * @param insecure {@code insecure}: accept any TLS certificate (tests only; default false)
 * @param httpConnectTimeout {@code http_connect_timeout} (default 2 s)
 * @param httpRequestTimeout {@code http_request_timeout} (default 5 s)
 * @param httpMaxConnectionsPerEndpoint {@code http_max_connections_per_endpoint} (default 32)
 * @param maxConcurrentValidations {@code max_concurrent_validations} (default 64)
 * @param failoverDeadline {@code failover_deadline} (default 10 s)
 * @param failoverFailureThreshold {@code failover_failure_threshold} (default 3)
 * @param failoverOpenSeconds {@code failover_open_seconds} (default 5 s)
 * @param failoverMaxOpenSeconds {@code failover_max_open_seconds} (default 60 s)
 * @param failoverOnNotFound {@code failover_on_not_found} (default false)
 * @param memcachedServers {@code memcached_servers}: {@code host:port} of a shared token cache
 * @param memcacheSecurityStrategy {@code memcache_security_strategy}: {@code None}, {@code MAC} or
 *     {@code ENCRYPT}
 * @param memcacheSecretKey {@code memcache_secret_key}
 * @param memcachePoolSocketTimeout {@code memcache_pool_socket_timeout} (default 1 s)
 * @param memcachePoolDeadRetry {@code memcache_pool_dead_retry} (default 300 s)
 * @param memcachePoolMaxsize {@code memcache_pool_maxsize} (default 2)
 * @param metricsJmxName {@code metrics_jmx_name}: register the metrics as MXBeans under this name
 * @param configFile {@code config_file}: a properties file of more options (keystonemiddleware
 *     names); these properties beat it
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
    @Nullable List<String> memcachedServers,
    @Nullable String memcacheSecurityStrategy,
    @Nullable String memcacheSecretKey,
    @DurationUnit(ChronoUnit.SECONDS) @Nullable Duration memcachePoolSocketTimeout,
    @DurationUnit(ChronoUnit.SECONDS) @Nullable Duration memcachePoolDeadRetry,
    @Nullable Integer memcachePoolMaxsize,
    @Nullable String metricsJmxName,
    @Nullable String configFile,
    @DefaultValue Security security) {

  /** The prefix of every property. */
  public static final String PREFIX = "keystone.auth";

  /** Components that are the starter's own, not options of the filter. */
  private static final Set<String> NOT_OPTIONS = Set.of("enabled", "security");

  private static final Pattern OPTION_NAME =
      Pattern.compile("\\b[a-z]+(?:_[a-z]+)+\\b|\\b[a-z]+\\b");

  /**
   * How a confirmed Keystone identity becomes Spring Security authorities ({@code
   * keystone.auth.security.*}).
   *
   * @param authorityPrefix put before each (mapped) role name; default {@code ROLE_}, so that
   *     {@code hasRole('admin')} matches the Keystone role {@code admin}
   * @param roleMappings Keystone role name to the name used for the authority, e.g. {@code
   *     keystone.auth.security.role-mappings.member=user}; roles not listed keep their name
   * @param methodSecurity whether the starter turns on {@code @PreAuthorize} ({@code
   *     EnableMethodSecurity}); default true
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
   * @throws IllegalArgumentException when a value is bad or a required one missing: the filter's
   *     message, each option in it named by its property ({@code keystone.auth.token-cache-time})
   */
  public KeystoneAuthConfig toConfig() {
    try {
      return KeystoneAuthConfig.fromOptions(toOptions()).build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new IllegalArgumentException(springNames(String.valueOf(e.getMessage())), e);
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
