package io.github.keystoneauthfilter.internal.config;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.KeystoneAuthConfigBuilder;
import io.github.keystoneauthfilter.config.SharedCacheSettings;
import java.io.IOException;
import java.io.Reader;
import java.lang.System.Logger.Level;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Turns init-params (strings, keystonemiddleware's option names) into a {@link
 * KeystoneAuthConfigBuilder}. Every error names the option and echoes the bad value (except for
 * secrets: the password, application credential secret and memcache secret key, and the password in
 * a redis_url, which is masked); an unknown option is a warning.
 */
public final class InitParameters {
  private static final System.Logger LOG = System.getLogger(InitParameters.class.getName());
  public static final String CONFIG_FILE = "config_file";
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)\\}");
  private static final int MAX_INTEGER_DIGITS = 18;
  private static final long MAX_CONNECTIONS = 10_000;
  private static final long MAX_THRESHOLD = 1_000;

  /** keystonemiddleware options that this filter does not implement (yet): warned about. */
  private static final Set<String> NOT_SUPPORTED =
      Set.of(
          "memcache_pool_unused_timeout",
          "memcache_pool_conn_get_timeout",
          "memcache_use_advanced_pool",
          "memcache_username",
          "memcache_password",
          "memcache_tls_cafile",
          "memcache_tls_certfile",
          "memcache_tls_keyfile",
          "memcache_tls_allowed_ciphers",
          "cache",
          "enforce_token_bind",
          "region_name",
          "interface",
          "auth_version",
          "http_request_max_retries");

  private static final Map<String, BiConsumer<KeystoneAuthConfigBuilder, String>> OPTIONS =
      Map.ofEntries(
          Map.entry("auth_url", InitParameters::authUrls),
          Map.entry("auth_type", InitParameters::authType),
          Map.entry("username", KeystoneAuthConfigBuilder::username),
          Map.entry("password", KeystoneAuthConfigBuilder::password),
          Map.entry("project_name", KeystoneAuthConfigBuilder::projectName),
          Map.entry(
              "application_credential_id", KeystoneAuthConfigBuilder::applicationCredentialId),
          Map.entry(
              "application_credential_name", KeystoneAuthConfigBuilder::applicationCredentialName),
          Map.entry(
              "application_credential_secret",
              KeystoneAuthConfigBuilder::applicationCredentialSecret),
          Map.entry("user_domain_name", KeystoneAuthConfigBuilder::userDomainName),
          Map.entry("project_domain_name", KeystoneAuthConfigBuilder::projectDomainName),
          Map.entry("www_authenticate_uri", KeystoneAuthConfigBuilder::wwwAuthenticateUri),
          Map.entry(
              "delay_auth_decision", (b, v) -> b.delayAuthDecision(bool("delay_auth_decision", v))),
          Map.entry(
              "token_cache_time",
              (b, v) -> b.tokenCacheTime(Duration.ofSeconds(integer("token_cache_time", v, -1)))),
          Map.entry(
              "token_cache_max_entries",
              (b, v) -> b.tokenCacheMaxEntries(integer("token_cache_max_entries", v, 1))),
          Map.entry(
              "invalid_token_cache_time",
              (b, v) ->
                  b.invalidTokenCacheTime(
                      Duration.ofSeconds(integer("invalid_token_cache_time", v, -1)))),
          Map.entry(
              "invalid_token_cache_max_entries",
              (b, v) ->
                  b.invalidTokenCacheMaxEntries(integer("invalid_token_cache_max_entries", v, 1))),
          Map.entry("service_token_roles", (b, v) -> b.serviceTokenRoles(list(v))),
          Map.entry(
              "service_token_roles_required",
              (b, v) -> b.serviceTokenRolesRequired(bool("service_token_roles_required", v))),
          Map.entry("excluded_paths", (b, v) -> b.excludedPaths(list(v))),
          Map.entry("service_type", KeystoneAuthConfigBuilder::serviceType),
          Map.entry("cafile", KeystoneAuthConfigBuilder::cafile),
          Map.entry("certfile", KeystoneAuthConfigBuilder::certfile),
          Map.entry("keyfile", KeystoneAuthConfigBuilder::keyfile),
          Map.entry("insecure", (b, v) -> b.insecure(bool("insecure", v))),
          Map.entry(
              "include_service_catalog",
              (b, v) -> b.includeServiceCatalog(bool("include_service_catalog", v))),
          Map.entry(
              "http_connect_timeout",
              (b, v) -> b.httpConnectTimeout(seconds("http_connect_timeout", v))),
          Map.entry(
              "http_request_timeout",
              (b, v) -> b.httpRequestTimeout(seconds("http_request_timeout", v))),
          Map.entry(
              "http_max_connections_per_endpoint",
              (b, v) ->
                  b.maxConnectionsPerEndpoint(
                      (int) integer("http_max_connections_per_endpoint", v, 1, MAX_CONNECTIONS))),
          Map.entry(
              "max_concurrent_validations",
              (b, v) ->
                  b.maxConcurrentValidations(
                      (int) integer("max_concurrent_validations", v, 1, MAX_CONNECTIONS))),
          Map.entry(
              "failover_deadline", (b, v) -> b.failoverDeadline(seconds("failover_deadline", v))),
          Map.entry(
              "failover_failure_threshold",
              (b, v) ->
                  b.failoverFailureThreshold(
                      (int) integer("failover_failure_threshold", v, 1, MAX_THRESHOLD))),
          Map.entry(
              "failover_open_seconds",
              (b, v) -> b.failoverOpen(seconds("failover_open_seconds", v))),
          Map.entry(
              "failover_max_open_seconds",
              (b, v) -> b.failoverMaxOpen(seconds("failover_max_open_seconds", v))),
          Map.entry("failover_hedge_delay", InitParameters::hedgeDelay),
          Map.entry(
              "failover_hedge_delay_min",
              (b, v) -> b.failoverHedgeDelayMin(seconds("failover_hedge_delay_min", v))),
          Map.entry(
              "failover_hedge_delay_max",
              (b, v) -> b.failoverHedgeDelayMax(seconds("failover_hedge_delay_max", v))),
          Map.entry(
              "failover_hedge_budget",
              (b, v) -> b.failoverHedgeBudget(fraction("failover_hedge_budget", v))),
          Map.entry(
              "failover_demote_after",
              (b, v) ->
                  b.failoverDemoteAfter(
                      (int) integer("failover_demote_after", v, 0, MAX_THRESHOLD))),
          Map.entry(
              "failover_demote_probe_interval",
              (b, v) ->
                  b.failoverDemoteProbeInterval(seconds("failover_demote_probe_interval", v))),
          Map.entry(
              "failover_on_not_found",
              (b, v) -> b.failoverOnNotFound(bool("failover_on_not_found", v))),
          Map.entry("memcached_servers", (b, v) -> b.memcachedServers(servers(v))),
          // keystonemiddleware's deprecated name for memcached_servers
          Map.entry("memcache_servers", (b, v) -> b.memcachedServers(servers(v))),
          Map.entry("memcache_security_strategy", InitParameters::memcacheSecurityStrategy),
          Map.entry("memcache_secret_key", KeystoneAuthConfigBuilder::memcacheSecretKey),
          Map.entry("memcache_entry_format", InitParameters::memcacheEntryFormat),
          Map.entry(
              "memcache_pool_socket_timeout",
              (b, v) -> b.memcacheSocketTimeout(seconds("memcache_pool_socket_timeout", v))),
          Map.entry(
              "memcache_pool_dead_retry",
              (b, v) -> b.memcacheDeadRetry(seconds("memcache_pool_dead_retry", v))),
          Map.entry(
              "memcache_pool_maxsize",
              (b, v) ->
                  b.memcachePoolMaxsize(
                      (int) integer("memcache_pool_maxsize", v, 1, MAX_CONNECTIONS))),
          Map.entry("memcache_tls_enabled", (b, v) -> unsupportedIfTrue("memcache_tls_enabled", v)),
          Map.entry(
              "memcache_sasl_enabled", (b, v) -> unsupportedIfTrue("memcache_sasl_enabled", v)),
          Map.entry("redis_url", KeystoneAuthConfigBuilder::redisUrl),
          Map.entry("redis_cafile", KeystoneAuthConfigBuilder::redisCafile),
          Map.entry("metrics_jmx_name", KeystoneAuthConfigBuilder::metricsJmxName));

  private InitParameters() {}

  /**
   * Every option name {@link #parse(Map)} accepts, {@code config_file} included, sorted: the one
   * list the option table of docs/configuration.md is checked against.
   */
  public static SortedSet<String> optionNames() {
    SortedSet<String> names = new TreeSet<>(OPTIONS.keySet());
    names.add(CONFIG_FILE);
    return Collections.unmodifiableSortedSet(names);
  }

  /**
   * Applies every option to a fresh builder, reading {@code config_file} first and substituting
   * {@code ${NAME}} from the environment.
   *
   * @throws IllegalArgumentException naming the option and value of the first bad one
   */
  public static KeystoneAuthConfigBuilder parse(Map<String, String> params) {
    return parse(params, System::getenv);
  }

  /**
   * As {@link #parse(Map)}, with {@code env} for the environment.
   *
   * <p>{@code config_file} names a Java properties file holding more options (so that secrets stay
   * out of web.xml); an init-param beats the file. In every value, {@code ${NAME}} is replaced by
   * the environment variable {@code NAME}; an unset variable is an error naming the option and the
   * variable.
   */
  public static KeystoneAuthConfigBuilder parse(
      Map<String, String> params, Function<String, @Nullable String> env) {
    Map<String, String> merged = new LinkedHashMap<>();
    String file = params.get(CONFIG_FILE);
    if (file != null) {
      merged.putAll(readFile(substitute(CONFIG_FILE, file, env)));
    }
    params.forEach(
        (name, value) -> {
          if (!name.equals(CONFIG_FILE)) {
            merged.put(name, value);
          }
        });
    KeystoneAuthConfigBuilder builder = KeystoneAuthConfig.builder();
    merged.forEach(
        (name, raw) -> {
          BiConsumer<KeystoneAuthConfigBuilder, String> option = OPTIONS.get(name);
          if (option != null) {
            option.accept(builder, substitute(name, raw, env));
          } else if (NOT_SUPPORTED.contains(name)) {
            LOG.log(
                Level.WARNING,
                "option {0} is a keystonemiddleware option this filter does not support yet;"
                    + " it is ignored",
                name);
          } else {
            LOG.log(Level.WARNING, "option {0} is not known; it is ignored", name);
          }
        });
    return builder;
  }

  private static Map<String, String> readFile(String path) {
    Properties properties = new Properties();
    try (Reader in = Files.newBufferedReader(Path.of(path), StandardCharsets.UTF_8)) {
      properties.load(in);
    } catch (IOException | InvalidPathException e) {
      throw new IllegalArgumentException(
          CONFIG_FILE + " '" + path + "' cannot be read: " + e.getClass().getSimpleName(), e);
    }
    if (properties.containsKey(CONFIG_FILE)) {
      throw new IllegalArgumentException(
          CONFIG_FILE + " '" + path + "' must not itself set " + CONFIG_FILE);
    }
    Map<String, String> values = new LinkedHashMap<>();
    properties.stringPropertyNames().stream()
        .sorted()
        .forEach(name -> values.put(name, properties.getProperty(name)));
    return values;
  }

  /** Replaces each {@code ${NAME}} in {@code value} by the environment variable NAME. */
  public static String substitute(
      String option, String value, Function<String, @Nullable String> env) {
    Matcher matcher = VARIABLE.matcher(value);
    StringBuilder result = new StringBuilder();
    while (matcher.find()) {
      String name = matcher.group(1);
      String replacement = env.apply(name);
      if (replacement == null) {
        throw new IllegalArgumentException(
            option
                + " refers to ${"
                + name
                + "}, but the environment variable "
                + name
                + " is not set");
      }
      matcher.appendReplacement(result, Matcher.quoteReplacement(replacement));
    }
    matcher.appendTail(result);
    return result.toString();
  }

  private static void authUrls(KeystoneAuthConfigBuilder builder, String value) {
    List<String> urls = List.of(value.split(",", -1));
    for (String url : urls) {
      if (url.isBlank()) {
        throw bad(
            "auth_url", value, "a comma-separated list of Keystone URLs without empty entries");
      }
      builder.authUrl(url);
    }
  }

  /** Comma-separated values, each trimmed; empty entries are kept so the builder names them. */
  private static List<String> list(String value) {
    return List.of(value.split(",", -1)).stream().map(String::strip).toList();
  }

  /** Comma-separated {@code host:port} entries; an empty value means none. */
  private static List<String> servers(String value) {
    return value.isBlank() ? List.of() : list(value);
  }

  private static void memcacheSecurityStrategy(KeystoneAuthConfigBuilder builder, String value) {
    switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "none" ->
          builder.memcacheSecurityStrategy(KeystoneAuthConfig.MemcacheSecurityStrategy.NONE);
      case "mac" ->
          builder.memcacheSecurityStrategy(KeystoneAuthConfig.MemcacheSecurityStrategy.MAC);
      case "encrypt" ->
          builder.memcacheSecurityStrategy(KeystoneAuthConfig.MemcacheSecurityStrategy.ENCRYPT);
      default -> throw bad("memcache_security_strategy", value, "None, MAC or ENCRYPT (any case)");
    }
  }

  private static void memcacheEntryFormat(KeystoneAuthConfigBuilder builder, String value) {
    for (SharedCacheSettings.EntryFormat format : SharedCacheSettings.EntryFormat.values()) {
      if (format.optionValue().equalsIgnoreCase(value.strip())) {
        builder.memcacheEntryFormat(format);
        return;
      }
    }
    throw bad("memcache_entry_format", value, "native or keystonemiddleware");
  }

  /**
   * TLS and SASL to memcached are not implemented: turning one on must not leave the operator
   * believing the traffic is protected.
   */
  private static void unsupportedIfTrue(String option, String value) {
    if (bool(option, value)) {
      throw new IllegalArgumentException(
          option
              + "=true is not supported: this filter talks to memcached in plain text without"
              + " authentication. Keep memcached on a trusted network and use"
              + " memcache_security_strategy=ENCRYPT, or use Redis with TLS and a password"
              + " (redis_url=rediss://..., module keystone-auth-redis), or remove "
              + option);
    }
  }

  private static void authType(KeystoneAuthConfigBuilder builder, String value) {
    switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "password", "v3password" -> builder.authType(KeystoneAuthConfig.AuthType.PASSWORD);
      case "v3applicationcredential" ->
          builder.authType(KeystoneAuthConfig.AuthType.APPLICATION_CREDENTIAL);
      default ->
          throw bad("auth_type", value, "'password', 'v3password' or 'v3applicationcredential'");
    }
  }

  /** {@code failover_hedge_delay}: {@code adaptive}, {@code off}, or a number of seconds. */
  private static void hedgeDelay(KeystoneAuthConfigBuilder builder, String value) {
    switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "adaptive" -> builder.failoverHedgeDelayAdaptive();
      case "off" -> builder.failoverHedgeOff();
      default -> {
        if (!value.strip().matches("\\d{1,9}(\\.\\d{1,3})?")) {
          throw bad(
              "failover_hedge_delay", value, "adaptive, off, or a number of seconds such as 0.2");
        }
        builder.failoverHedgeDelay(seconds("failover_hedge_delay", value));
      }
    }
  }

  /** A number from 0 to 1, such as {@code 0.1}. */
  public static double fraction(String option, String value) {
    String trimmed = value.strip();
    if (!trimmed.matches("(0(\\.\\d{1,6})?|1(\\.0{1,6})?|\\.\\d{1,6})")) {
      throw bad(option, value, "a number from 0 to 1 such as 0.1");
    }
    return Double.parseDouble(trimmed);
  }

  public static boolean bool(String option, String value) {
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "true", "1", "on", "yes" -> true;
      case "false", "0", "off", "no" -> false;
      default -> throw bad(option, value, "true or false");
    };
  }

  public static long integer(String option, String value, long min) {
    return integer(option, value, min, Long.MAX_VALUE);
  }

  public static long integer(String option, String value, long min, long max) {
    String trimmed = value.strip();
    String expected =
        max == Long.MAX_VALUE
            ? "a whole number of at least " + min
            : "a whole number from " + min + " to " + max;
    if (!trimmed.matches("-?\\d{1," + MAX_INTEGER_DIGITS + "}")) {
      throw bad(option, value, expected);
    }
    long parsed = Long.parseLong(trimmed);
    if (parsed < min || parsed > max) {
      throw bad(option, value, expected);
    }
    return parsed;
  }

  /** A positive number of seconds, decimals allowed ({@code 0.5}), at millisecond precision. */
  public static Duration seconds(String option, String value) {
    String trimmed = value.strip();
    if (!trimmed.matches("\\d{1,9}(\\.\\d{1,3})?")) {
      throw bad(option, value, "a positive number of seconds such as 5 or 0.5");
    }
    long millis = new BigDecimal(trimmed).movePointRight(3).longValueExact();
    if (millis <= 0) {
      throw bad(option, value, "a positive number of seconds such as 5 or 0.5");
    }
    return Duration.ofMillis(millis);
  }

  /**
   * The error for a bad option value, naming the option, what it must be and the value.
   *
   * @param option the option name
   * @param value the value given
   * @param expected what the value must be
   */
  public static IllegalArgumentException bad(String option, String value, String expected) {
    return new IllegalArgumentException(
        option + " must be " + expected + " but was '" + value + "'");
  }
}
