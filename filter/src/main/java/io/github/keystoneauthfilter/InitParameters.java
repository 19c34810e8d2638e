package io.github.keystoneauthfilter;

import java.lang.System.Logger.Level;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Turns init-params (strings, keystonemiddleware's option names) into a {@link
 * KeystoneAuthConfig.Builder}. Every error names the option and echoes the bad value (except for
 * the password); an unknown option is a warning.
 */
final class InitParameters {
  private static final System.Logger LOG = System.getLogger(InitParameters.class.getName());
  private static final int MAX_INTEGER_DIGITS = 18;
  private static final long MAX_CONNECTIONS = 10_000;
  private static final long MAX_THRESHOLD = 1_000;

  /** keystonemiddleware options that this filter does not implement (yet): warned about. */
  private static final Set<String> NOT_SUPPORTED =
      Set.of(
          "memcached_servers",
          "memcache_servers",
          "memcache_security_strategy",
          "memcache_secret_key",
          "cache",
          "enforce_token_bind",
          "region_name",
          "interface",
          "auth_version",
          "http_request_max_retries",
          "service_token_roles",
          "service_token_roles_required",
          "service_type",
          "cafile",
          "certfile",
          "keyfile",
          "insecure");

  private static final Map<String, BiConsumer<KeystoneAuthConfig.Builder, String>> OPTIONS =
      Map.ofEntries(
          Map.entry("auth_url", InitParameters::authUrls),
          Map.entry("auth_type", InitParameters::authType),
          Map.entry("username", KeystoneAuthConfig.Builder::username),
          Map.entry("password", KeystoneAuthConfig.Builder::password),
          Map.entry("project_name", KeystoneAuthConfig.Builder::projectName),
          Map.entry("user_domain_name", KeystoneAuthConfig.Builder::userDomainName),
          Map.entry("project_domain_name", KeystoneAuthConfig.Builder::projectDomainName),
          Map.entry("www_authenticate_uri", KeystoneAuthConfig.Builder::wwwAuthenticateUri),
          Map.entry(
              "delay_auth_decision", (b, v) -> b.delayAuthDecision(bool("delay_auth_decision", v))),
          Map.entry(
              "token_cache_time",
              (b, v) -> b.tokenCacheTime(Duration.ofSeconds(integer("token_cache_time", v, -1)))),
          Map.entry(
              "token_cache_max_entries",
              (b, v) -> b.tokenCacheMaxEntries(integer("token_cache_max_entries", v, 1))),
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
          Map.entry(
              "failover_on_not_found",
              (b, v) -> b.failoverOnNotFound(bool("failover_on_not_found", v))));

  private InitParameters() {}

  /** The names this filter understands. */
  static Set<String> knownOptions() {
    return OPTIONS.keySet();
  }

  /**
   * Applies every option to a fresh builder.
   *
   * @throws IllegalArgumentException naming the option and value of the first bad one
   */
  static KeystoneAuthConfig.Builder parse(Map<String, String> params) {
    KeystoneAuthConfig.Builder builder = KeystoneAuthConfig.builder();
    params.forEach(
        (name, value) -> {
          BiConsumer<KeystoneAuthConfig.Builder, String> option = OPTIONS.get(name);
          if (option != null) {
            option.accept(builder, value);
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

  private static void authUrls(KeystoneAuthConfig.Builder builder, String value) {
    List<String> urls = List.of(value.split(",", -1));
    for (String url : urls) {
      if (url.isBlank()) {
        throw KeystoneAuthConfig.Builder.bad(
            "auth_url", value, "a comma-separated list of Keystone URLs without empty entries");
      }
      builder.authUrl(url);
    }
  }

  private static void authType(KeystoneAuthConfig.Builder builder, String value) {
    String type = value.strip().toLowerCase(Locale.ROOT);
    if (!type.equals("password") && !type.equals("v3password")) {
      throw KeystoneAuthConfig.Builder.bad("auth_type", value, "'password' or 'v3password'");
    }
  }

  static boolean bool(String option, String value) {
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "true", "1", "on", "yes" -> true;
      case "false", "0", "off", "no" -> false;
      default -> throw KeystoneAuthConfig.Builder.bad(option, value, "true or false");
    };
  }

  static long integer(String option, String value, long min) {
    return integer(option, value, min, Long.MAX_VALUE);
  }

  static long integer(String option, String value, long min, long max) {
    String trimmed = value.strip();
    String expected =
        max == Long.MAX_VALUE
            ? "a whole number of at least " + min
            : "a whole number from " + min + " to " + max;
    if (!trimmed.matches("-?\\d{1," + MAX_INTEGER_DIGITS + "}")) {
      throw KeystoneAuthConfig.Builder.bad(option, value, expected);
    }
    long parsed = Long.parseLong(trimmed);
    if (parsed < min || parsed > max) {
      throw KeystoneAuthConfig.Builder.bad(option, value, expected);
    }
    return parsed;
  }

  /** A positive number of seconds, decimals allowed ({@code 0.5}), at millisecond precision. */
  static Duration seconds(String option, String value) {
    String trimmed = value.strip();
    if (!trimmed.matches("\\d{1,9}(\\.\\d{1,3})?")) {
      throw KeystoneAuthConfig.Builder.bad(
          option, value, "a positive number of seconds such as 5 or 0.5");
    }
    long millis = new BigDecimal(trimmed).movePointRight(3).longValueExact();
    if (millis <= 0) {
      throw KeystoneAuthConfig.Builder.bad(
          option, value, "a positive number of seconds such as 5 or 0.5");
    }
    return Duration.ofMillis(millis);
  }
}
