package io.github.keystoneauthfilter.internal.config;

import static io.github.keystoneauthfilter.testing.ConfigReads.applicationCredential;
import static io.github.keystoneauthfilter.testing.ConfigReads.passwordLogin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InitParametersTest {
  private static final String PASSWORD = "s3cr3t-Passw0rd";

  /** The JUL logger behind InitParameters' System.Logger (same name, JDK default LoggerFinder). */
  private final Logger parametersLogger = Logger.getLogger(InitParameters.class.getName());

  private final List<LogRecord> logs = Collections.synchronizedList(new ArrayList<>());
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          logs.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void captureLogs() {
    parametersLogger.addHandler(capture);
  }

  @AfterEach
  void releaseLogs() {
    parametersLogger.removeHandler(capture);
  }

  /** The WARNING lines logged so far, as formatted text. */
  private List<String> warnings() {
    SimpleFormatter formatter = new SimpleFormatter();
    synchronized (logs) {
      return logs.stream()
          .filter(r -> r.getLevel() == Level.WARNING)
          .map(formatter::formatMessage)
          .toList();
    }
  }

  private static Map<String, String> required() {
    Map<String, String> params = new HashMap<>();
    params.put("auth_url", "http://keystone-a:5000/v3");
    params.put("username", "nova");
    params.put("password", PASSWORD);
    params.put("project_name", "service");
    return params;
  }

  private static KeystoneAuthConfig parseWith(String option, String value) {
    Map<String, String> params = required();
    params.put(option, value);
    return InitParameters.parse(params).build();
  }

  private static IllegalArgumentException failureWith(String option, String value) {
    return assertThrows(IllegalArgumentException.class, () -> parseWith(option, value));
  }

  private static void assertNamesOptionAndValue(
      IllegalArgumentException e, String option, String value) {
    String message = e.getMessage();
    assertTrue(
        message.startsWith(option + " "), () -> "message should name " + option + ": " + message);
    assertTrue(
        message.contains("'" + value + "'"), () -> "message should echo " + value + ": " + message);
    assertFalse(message.contains(PASSWORD), message);
  }

  @Test
  void parseWhenAuthUrlMissingThenBuildFailsNamingAuthUrl() {
    Map<String, String> params = required();
    params.remove("auth_url");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> InitParameters.parse(params).build());

    assertTrue(e.getMessage().startsWith("auth_url is required"), e.getMessage());
  }

  @Test
  void parseWhenAuthUrlFtpThenFailsNamingOptionAndValue() {
    assertNamesOptionAndValue(failureWith("auth_url", "ftp://x"), "auth_url", "ftp://x");
  }

  @Test
  void parseWhenAuthUrlNotAUrlThenFailsNamingOptionAndValue() {
    assertNamesOptionAndValue(failureWith("auth_url", "not a url"), "auth_url", "not a url");
  }

  @Test
  void parseWhenAuthUrlListHasEmptyEntryThenFailsEchoingWholeList() {
    String value = "http://a:5000,,http://b:5000";

    assertNamesOptionAndValue(failureWith("auth_url", value), "auth_url", value);
  }

  @Test
  void parseWhenAuthUrlListHasTrailingCommaThenFails() {
    String value = "http://a:5000,";

    assertNamesOptionAndValue(failureWith("auth_url", value), "auth_url", value);
  }

  @Test
  void parseWhenAuthUrlListThenNormalisedInOrder() {
    KeystoneAuthConfig config =
        parseWith("auth_url", "http://b:5000/v3/, http://h/identity/v3 ,https://a:5000");

    assertEquals(
        List.of(
            URI.create("http://b:5000"),
            URI.create("http://h/identity"),
            URI.create("https://a:5000")),
        config.authUrls());
  }

  @Test
  void parseWhenUsernameMissingThenBuildFailsNamingUsername() {
    Map<String, String> params = required();
    params.remove("username");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> InitParameters.parse(params).build());

    assertEquals("username is required", e.getMessage());
  }

  @Test
  void parseWhenPasswordMissingThenBuildFailsNamingPassword() {
    Map<String, String> params = required();
    params.remove("password");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> InitParameters.parse(params).build());

    assertEquals("password is required", e.getMessage());
  }

  @Test
  void parseWhenProjectNameMissingThenBuildFailsNamingProjectName() {
    Map<String, String> params = required();
    params.remove("project_name");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> InitParameters.parse(params).build());

    assertEquals("project_name is required", e.getMessage());
  }

  @Test
  void parseWhenPasswordBlankThenFailsWithoutEchoingValue() {
    IllegalArgumentException e = failureWith("password", "   ");

    assertTrue(e.getMessage().startsWith("password"), e.getMessage());
    assertFalse(e.getMessage().contains("'"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"true", "1", "on", "yes", "TRUE", "Yes", "oN", " true "})
  void boolWhenTrueSpellingThenTrue(String value) {
    assertTrue(parseWith("delay_auth_decision", value).delayAuthDecision());
  }

  @ParameterizedTest
  @ValueSource(strings = {"false", "0", "off", "no", "FALSE", "No", "oFf"})
  void boolWhenFalseSpellingThenFalse(String value) {
    assertFalse(parseWith("include_service_catalog", value).includeServiceCatalog());
  }

  @Test
  void boolWhenMaybeThenFailsNamingOptionAndValue() {
    assertNamesOptionAndValue(
        failureWith("failover_on_not_found", "maybe"), "failover_on_not_found", "maybe");
  }

  @Test
  void tokenCacheTimeWhenMinusOneThenZero() {
    assertEquals(Duration.ZERO, parseWith("token_cache_time", "-1").tokenCache().time());
  }

  @Test
  void tokenCacheTimeWhenWholeSecondsThenThatDuration() {
    assertEquals(Duration.ofSeconds(60), parseWith("token_cache_time", "60").tokenCache().time());
  }

  @Test
  void tokenCacheTimeWhenNotANumberThenFailsNamingOptionAndValue() {
    assertNamesOptionAndValue(failureWith("token_cache_time", "abc"), "token_cache_time", "abc");
  }

  @Test
  void tokenCacheTimeWhenBelowMinusOneThenFailsNamingOptionAndValue() {
    assertNamesOptionAndValue(failureWith("token_cache_time", "-2"), "token_cache_time", "-2");
  }

  @Test
  void tokenCacheMaxEntriesWhenZeroThenFailsNamingOptionAndValue() {
    assertNamesOptionAndValue(
        failureWith("token_cache_max_entries", "0"), "token_cache_max_entries", "0");
  }

  @Test
  void secondsWhenHalfThenFiveHundredMillis() {
    assertEquals(
        Duration.ofMillis(500), parseWith("http_connect_timeout", "0.5").httpConnectTimeout());
  }

  @Test
  void secondsWhenWholeThenSeconds() {
    assertEquals(Duration.ofSeconds(7), parseWith("failover_deadline", "7").failover().deadline());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "0.0", "-1", "1e3", ".5", "0.0001", "abc", "", "5s"})
  void secondsWhenNotPositiveDecimalThenFailsNamingOptionAndValue(String value) {
    assertNamesOptionAndValue(
        failureWith("http_request_timeout", value), "http_request_timeout", value);
  }

  @Test
  void failoverOpenSecondsWhenZeroThenFailsNamingOptionAndValue() {
    assertNamesOptionAndValue(
        failureWith("failover_open_seconds", "0"), "failover_open_seconds", "0");
  }

  @Test
  void parseWhenMaxOpenLessThanOpenThenBuildFailsNamingBoth() {
    Map<String, String> params = required();
    params.put("failover_open_seconds", "30");
    params.put("failover_max_open_seconds", "10");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> InitParameters.parse(params).build());

    assertTrue(e.getMessage().contains("failover_max_open_seconds"), e.getMessage());
    assertTrue(e.getMessage().contains("failover_open_seconds"), e.getMessage());
  }

  @Test
  void failoverFailureThresholdWhenZeroThenFailsNamingOptionAndValue() {
    assertNamesOptionAndValue(
        failureWith("failover_failure_threshold", "0"), "failover_failure_threshold", "0");
  }

  @Test
  void failoverFailureThresholdWhenBeyondIntThenFailsNamingOptionAndValue() {
    // Fits the 18-digit whole-number rule but not an int: still a configuration error that names
    // the option, not an ArithmeticException from the narrowing.
    assertNamesOptionAndValue(
        failureWith("failover_failure_threshold", "9999999999"),
        "failover_failure_threshold",
        "9999999999");
  }

  @Test
  void maxConnectionsPerEndpointWhenBeyondIntThenFailsNamingOptionAndValue() {
    assertNamesOptionAndValue(
        failureWith("http_max_connections_per_endpoint", "9999999999"),
        "http_max_connections_per_endpoint",
        "9999999999");
  }

  @ParameterizedTest
  @ValueSource(strings = {"password", "v3password", "Password", " V3PASSWORD "})
  void authTypeWhenPasswordPluginThenAccepted(String value) {
    assertEquals("nova", passwordLogin(parseWith("auth_type", value)).username());
  }

  @Test
  void authTypeWhenTokenThenFailsNamingOptionAndValue() {
    assertNamesOptionAndValue(failureWith("auth_type", "token"), "auth_type", "token");
  }

  @Test
  void parseWhenUnknownOptionThenOneWarningNamingItAndOtherwiseIgnored() {
    KeystoneAuthConfig config = parseWith("no_such_option", "whatever");

    assertEquals("nova", passwordLogin(config).username());
    List<String> warnings = warnings();
    assertEquals(1, warnings.size(), () -> "one warning expected: " + warnings);
    assertTrue(warnings.get(0).contains("no_such_option"), warnings.get(0));
    assertTrue(warnings.get(0).contains("not known"), warnings.get(0));
  }

  @Test
  void parseWhenUnimplementedKeystonemiddlewareOptionsThenOneWarningNamingEach() {
    // The options docs/keystonemiddleware.md lists under "Not implemented", and one of the
    // memcache_* pool options docs/operations.md says are logged as ignored.
    List<String> unimplemented =
        List.of("enforce_token_bind", "region_name", "interface", "memcache_use_advanced_pool");
    Map<String, String> params = required();
    params.put("enforce_token_bind", "permissive");
    params.put("region_name", "RegionOne");
    params.put("interface", "internal");
    params.put("memcache_use_advanced_pool", "true");

    KeystoneAuthConfig config = InitParameters.parse(params).build();

    assertEquals("nova", passwordLogin(config).username());
    List<String> warnings = warnings();
    assertEquals(unimplemented.size(), warnings.size(), () -> "one warning each: " + warnings);
    for (String option : unimplemented) {
      List<String> naming =
          warnings.stream().filter(w -> w.contains("option " + option + " ")).toList();
      assertEquals(1, naming.size(), () -> option + " should be named once: " + warnings);
      assertTrue(naming.get(0).contains("does not support"), naming.get(0));
    }
  }

  @Test
  void parseWhenOnlyRequiredThenBuilderDefaults() {
    KeystoneAuthConfig config = InitParameters.parse(required()).build();

    assertEquals(KeystoneAuthConfig.DEFAULT_TOKEN_CACHE_TIME, config.tokenCache().time());
    assertEquals(KeystoneAuthConfig.DEFAULT_FAILOVER_OPEN, config.failover().open());
    assertEquals(KeystoneAuthConfig.DEFAULT_DOMAIN_NAME, passwordLogin(config).userDomainName());
    assertEquals(URI.create("http://keystone-a:5000"), config.wwwAuthenticateUri());
  }

  @Test
  void parseWhenEveryPasswordPluginOptionSetThenEachAppliedAndNoneWarned(@TempDir Path dir)
      throws IOException {
    // Every option but config_file (InitParametersFileTest) and the application credential ones
    // (they exclude password and project_name: the next test), each away from its default.
    Path ca = Files.writeString(dir.resolve("ca.pem"), "ca");
    Path cert = Files.writeString(dir.resolve("cert.pem"), "cert");
    Path key = Files.writeString(dir.resolve("key.pem"), "key");
    Map<String, String> params = required();
    params.put("auth_type", "v3password");
    params.put("user_domain_name", "users");
    params.put("project_domain_name", "projects");
    params.put("www_authenticate_uri", "https://public.example.com:5000");
    params.put("delay_auth_decision", "true");
    params.put("token_cache_time", "120");
    params.put("token_cache_max_entries", "42");
    params.put("invalid_token_cache_time", "9");
    params.put("invalid_token_cache_max_entries", "43");
    params.put("include_service_catalog", "false");
    params.put("service_token_roles", "nova, admin");
    params.put("service_token_roles_required", "false");
    params.put("service_type", "compute");
    params.put("excluded_paths", "/health, /public/*");
    params.put("cafile", ca.toString());
    params.put("certfile", cert.toString());
    params.put("keyfile", key.toString());
    params.put("insecure", "true");
    params.put("http_connect_timeout", "1.5");
    params.put("http_request_timeout", "3");
    params.put("http_max_connections_per_endpoint", "8");
    params.put("max_concurrent_validations", "7");
    params.put("failover_deadline", "9");
    params.put("failover_failure_threshold", "4");
    params.put("failover_open_seconds", "2");
    params.put("failover_max_open_seconds", "20");
    params.put("failover_on_not_found", "yes");
    params.put("memcached_servers", "10.0.0.1:11211, [::1]:11212");
    params.put("memcache_security_strategy", "ENCRYPT");
    params.put("memcache_secret_key", "memcache-secret");
    params.put("memcache_pool_socket_timeout", "0.25");
    params.put("memcache_pool_dead_retry", "30");
    params.put("memcache_pool_maxsize", "3");
    params.put("memcache_tls_enabled", "false");
    params.put("memcache_sasl_enabled", "false");
    params.put("metrics_jmx_name", "every-option");

    KeystoneAuthConfig config = InitParameters.parse(params).build();

    assertEquals(KeystoneAuthConfig.AuthType.PASSWORD, config.authType());
    assertEquals("nova", passwordLogin(config).username());
    assertEquals(PASSWORD, passwordLogin(config).password());
    assertEquals("service", passwordLogin(config).projectName());
    assertEquals("users", passwordLogin(config).userDomainName());
    assertEquals("projects", passwordLogin(config).projectDomainName());
    assertEquals(URI.create("https://public.example.com:5000"), config.wwwAuthenticateUri());
    assertTrue(config.delayAuthDecision());
    assertEquals(Duration.ofSeconds(120), config.tokenCache().time());
    assertEquals(42, config.tokenCache().maxEntries());
    assertEquals(Duration.ofSeconds(9), config.tokenCache().invalidTime());
    assertEquals(43, config.tokenCache().invalidMaxEntries());
    assertFalse(config.includeServiceCatalog());
    assertEquals(List.of("nova", "admin"), config.serviceTokenRoles());
    assertFalse(config.serviceTokenRolesRequired());
    assertEquals("compute", config.serviceType());
    assertEquals(List.of("/health", "/public/*"), config.excludedPaths());
    assertEquals(ca, config.tls().cafile());
    assertEquals(cert, config.tls().clientCertificate().certfile());
    assertEquals(key, config.tls().clientCertificate().keyfile());
    assertTrue(config.tls().insecure());
    assertEquals(Duration.ofMillis(1500), config.httpConnectTimeout());
    assertEquals(Duration.ofSeconds(3), config.httpRequestTimeout());
    assertEquals(8, config.maxConnectionsPerEndpoint());
    assertEquals(7, config.maxConcurrentValidations());
    assertEquals(Duration.ofSeconds(9), config.failover().deadline());
    assertEquals(4, config.failover().failureThreshold());
    assertEquals(Duration.ofSeconds(2), config.failover().open());
    assertEquals(Duration.ofSeconds(20), config.failover().maxOpen());
    assertTrue(config.failover().onNotFound());
    assertEquals(
        List.of(
            InetSocketAddress.createUnresolved("10.0.0.1", 11211),
            InetSocketAddress.createUnresolved("::1", 11212)),
        config.sharedCache().servers());
    assertEquals(
        KeystoneAuthConfig.MemcacheSecurityStrategy.ENCRYPT, config.memcacheSecurityStrategy());
    assertEquals("memcache-secret", config.memcacheSecretKey());
    assertEquals(Duration.ofMillis(250), config.sharedCache().socketTimeout());
    assertEquals(Duration.ofSeconds(30), config.sharedCache().deadRetry());
    assertEquals(3, config.sharedCache().poolMaxsize());
    assertEquals("every-option", config.metricsJmxName());
    assertEquals(List.of(), warnings(), "every option above is known");
  }

  @Test
  void parseWhenEveryApplicationCredentialOptionSetThenEachApplied() {
    Map<String, String> params = new HashMap<>();
    params.put("auth_url", "http://keystone-a:5000/v3");
    params.put("auth_type", "v3applicationcredential");
    params.put("application_credential_id", "ac-id");
    params.put("application_credential_name", "ac-name");
    params.put("application_credential_secret", "ac-secret");
    params.put("username", "owner");

    KeystoneAuthConfig config = InitParameters.parse(params).build();

    assertEquals(KeystoneAuthConfig.AuthType.APPLICATION_CREDENTIAL, config.authType());
    assertEquals("ac-id", applicationCredential(config).id());
    assertEquals("ac-name", applicationCredential(config).name());
    assertEquals("ac-secret", applicationCredential(config).secret());
    assertEquals("owner", applicationCredential(config).username());
    assertEquals(List.of(), warnings(), "every option above is known");
  }
}
