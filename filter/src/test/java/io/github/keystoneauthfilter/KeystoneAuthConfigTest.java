package io.github.keystoneauthfilter;

import static io.github.keystoneauthfilter.testing.ConfigReads.passwordLogin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeystoneAuthConfigTest {
  private static final String PASSWORD = "s3cr3t-Passw0rd";

  private static KeystoneAuthConfigBuilder complete() {
    return KeystoneAuthConfig.builder()
        .authUrl("http://keystone-a:5000/v3")
        .username("nova")
        .password(PASSWORD)
        .projectName("service");
  }

  private static void assertNamesOptionAndValue(
      IllegalArgumentException e, String option, String value) {
    String message = e.getMessage();
    assertTrue(message.contains(option), () -> "message should name " + option + ": " + message);
    assertTrue(
        message.contains("'" + value + "'"), () -> "message should echo " + value + ": " + message);
  }

  @Test
  void buildWhenNoAuthUrlThenFailsNamingAuthUrl() {
    KeystoneAuthConfigBuilder builder =
        KeystoneAuthConfig.builder().username("nova").password(PASSWORD).projectName("service");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);

    assertTrue(e.getMessage().startsWith("auth_url is required"), e.getMessage());
  }

  @Test
  void authUrlWhenFtpSchemeThenFailsNamingOptionAndValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> KeystoneAuthConfig.builder().authUrl("ftp://x"));

    assertNamesOptionAndValue(e, "auth_url", "ftp://x");
  }

  @Test
  void authUrlWhenNotAUrlThenFailsNamingOptionAndValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> KeystoneAuthConfig.builder().authUrl("not a url"));

    assertNamesOptionAndValue(e, "auth_url", "not a url");
  }

  @Test
  void authUrlWhenNoHostThenFailsNamingOptionAndValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> KeystoneAuthConfig.builder().authUrl("http:/v3"));

    assertNamesOptionAndValue(e, "auth_url", "http:/v3");
  }

  @Test
  void authUrlWhenQueryStringThenFailsNamingOptionAndValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> KeystoneAuthConfig.builder().authUrl("http://h:5000/v3?x=1"));

    assertNamesOptionAndValue(e, "auth_url", "http://h:5000/v3?x=1");
  }

  @Test
  void authUrlWhenTrailingV3AndSlashThenNormalisedToRoot() {
    KeystoneAuthConfig config = complete().authUrl("http://h:5000/v3/").build(); // second endpoint

    assertEquals(URI.create("http://h:5000"), config.authUrls().get(1));
  }

  @Test
  void authUrlWhenPathPrefixAndV3ThenPrefixKept() {
    KeystoneAuthConfig config = complete().authUrl("http://h/identity/v3").build();

    assertEquals(URI.create("http://h/identity"), config.authUrls().get(1));
  }

  @Test
  void authUrlWhenSurroundedByWhitespaceThenStripped() {
    KeystoneAuthConfig config = complete().authUrl("  https://h:5000/  ").build();

    assertEquals(URI.create("https://h:5000"), config.authUrls().get(1));
  }

  @Test
  void authUrlsWhenSeveralThenOrderKept() {
    KeystoneAuthConfig config =
        KeystoneAuthConfig.builder()
            .authUrl("http://c:5000")
            .authUrl("http://a:5000/v3")
            .authUrl("http://b:5000/")
            .username("nova")
            .password(PASSWORD)
            .projectName("service")
            .build();

    assertEquals(
        List.of(
            URI.create("http://c:5000"), URI.create("http://a:5000"), URI.create("http://b:5000")),
        config.authUrls());
  }

  @Test
  void buildWhenNoUsernameThenFailsNamingUsername() {
    KeystoneAuthConfigBuilder builder =
        KeystoneAuthConfig.builder()
            .authUrl("http://a:5000")
            .password(PASSWORD)
            .projectName("service");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);

    assertEquals("username is required", e.getMessage());
  }

  @Test
  void buildWhenNoPasswordThenFailsNamingPassword() {
    KeystoneAuthConfigBuilder builder =
        KeystoneAuthConfig.builder().authUrl("http://a:5000").username("nova").projectName("p");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);

    assertEquals("password is required", e.getMessage());
  }

  @Test
  void buildWhenNoProjectNameThenFailsNamingProjectName() {
    KeystoneAuthConfigBuilder builder =
        KeystoneAuthConfig.builder().authUrl("http://a:5000").username("nova").password(PASSWORD);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);

    assertEquals("project_name is required", e.getMessage());
  }

  @Test
  void usernameWhenBlankThenFailsNamingOptionAndValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> KeystoneAuthConfig.builder().username("  "));

    assertNamesOptionAndValue(e, "username", "  ");
  }

  @Test
  void passwordWhenBlankThenFailsNamingOptionWithoutEchoingValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> KeystoneAuthConfig.builder().password(" \t "));

    assertTrue(e.getMessage().contains("password"), e.getMessage());
    assertFalse(e.getMessage().contains(" \t "), e.getMessage());
  }

  @Test
  void passwordWhenSurroundedByWhitespaceThenKeptVerbatim() {
    KeystoneAuthConfig config = complete().password(" pass word ").build();

    assertEquals(" pass word ", passwordLogin(config).password());
  }

  @Test
  void tokenCacheTimeWhenNegativeThenZero() {
    KeystoneAuthConfig config = complete().tokenCacheTime(Duration.ofSeconds(-1)).build();

    assertEquals(Duration.ZERO, config.tokenCache().time());
  }

  @Test
  void tokenCacheMaxEntriesWhenZeroThenFailsNamingOptionAndValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> KeystoneAuthConfig.builder().tokenCacheMaxEntries(0));

    assertNamesOptionAndValue(e, "token_cache_max_entries", "0");
  }

  @Test
  void httpRequestTimeoutWhenZeroThenFailsNamingOption() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> KeystoneAuthConfig.builder().httpRequestTimeout(Duration.ZERO));

    assertTrue(e.getMessage().startsWith("http_request_timeout must be"), e.getMessage());
  }

  @Test
  void failoverFailureThresholdWhenZeroThenFailsNamingOptionAndValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> KeystoneAuthConfig.builder().failoverFailureThreshold(0));

    assertNamesOptionAndValue(e, "failover_failure_threshold", "0");
  }

  @Test
  void buildWhenMaxOpenShorterThanOpenThenFailsNamingBothOptions() {
    KeystoneAuthConfigBuilder builder =
        complete().failoverOpen(Duration.ofSeconds(30)).failoverMaxOpen(Duration.ofSeconds(10));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);

    assertTrue(e.getMessage().contains("failover_max_open_seconds (10)"), e.getMessage());
    assertTrue(e.getMessage().contains("failover_open_seconds (30)"), e.getMessage());
  }

  @Test
  void buildWhenMaxOpenEqualsOpenThenAccepted() {
    KeystoneAuthConfig config =
        complete()
            .failoverOpen(Duration.ofSeconds(30))
            .failoverMaxOpen(Duration.ofSeconds(30))
            .build();

    assertEquals(Duration.ofSeconds(30), config.failover().maxOpen());
  }

  @Test
  void wwwAuthenticateUriWhenRelativeThenFailsNamingOptionAndValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> KeystoneAuthConfig.builder().wwwAuthenticateUri("/identity"));

    assertNamesOptionAndValue(e, "www_authenticate_uri", "/identity");
  }

  @Test
  void wwwAuthenticateUriWhenUnsetThenFirstAuthUrl() {
    KeystoneAuthConfig config = complete().authUrl("http://keystone-b:5000").build();

    assertEquals(URI.create("http://keystone-a:5000"), config.wwwAuthenticateUri());
  }

  @Test
  void buildWhenOnlyRequiredSetThenDocumentedDefaults() {
    KeystoneAuthConfig config = complete().authUrl("http://keystone-b:5000").build();

    // Literally the "default" column of docs/configuration.md's option table (not the DEFAULT_*
    // constants, which would agree with the code whatever it did).
    assertEquals(KeystoneAuthConfig.AuthType.PASSWORD, config.authType());
    assertEquals("Default", passwordLogin(config).userDomainName());
    assertEquals("Default", passwordLogin(config).projectDomainName());
    assertEquals(URI.create("http://keystone-a:5000"), config.wwwAuthenticateUri());
    assertFalse(config.delayAuthDecision());
    assertEquals(Duration.ofSeconds(300), config.tokenCache().time());
    assertEquals(10_000, config.tokenCache().maxEntries());
    assertEquals(Duration.ofSeconds(5), config.tokenCache().invalidTime());
    assertEquals(10_000, config.tokenCache().invalidMaxEntries());
    assertTrue(config.includeServiceCatalog());
    assertEquals(List.of("service"), config.serviceTokenRoles());
    assertTrue(config.serviceTokenRolesRequired());
    assertNull(config.serviceType());
    assertEquals(List.of(), config.excludedPaths());
    assertNull(config.tls().cafile());
    assertNull(config.tls().clientCertificate());

    assertFalse(config.tls().insecure());
    assertEquals(Duration.ofSeconds(2), config.httpConnectTimeout());
    assertEquals(Duration.ofSeconds(5), config.httpRequestTimeout());
    assertEquals(32, config.maxConnectionsPerEndpoint());
    assertEquals(64, config.maxConcurrentValidations());
    assertEquals(Duration.ofSeconds(10), config.failover().deadline());
    assertEquals(3, config.failover().failureThreshold());
    assertEquals(Duration.ofSeconds(5), config.failover().open());
    assertEquals(Duration.ofSeconds(60), config.failover().maxOpen());
    assertFalse(config.failover().onNotFound());
    assertEquals(List.of(), config.sharedCache().servers());
    assertEquals(
        KeystoneAuthConfig.MemcacheSecurityStrategy.NONE, config.memcacheSecurityStrategy());
    assertNull(config.memcacheSecretKey());
    assertEquals(Duration.ofSeconds(1), config.sharedCache().socketTimeout());
    assertEquals(Duration.ofSeconds(300), config.sharedCache().deadRetry());
    assertEquals(2, config.sharedCache().poolMaxsize());
    assertNull(config.metricsJmxName());
  }

  @Test
  void clockWhenSetThenReturned() {
    Clock fixed = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    KeystoneAuthConfig config = complete().clock(fixed).build();

    assertSame(fixed, config.clock());
  }

  @Test
  void toStringWhenBuiltThenPasswordHidden() {
    KeystoneAuthConfig config = complete().build();

    String text = config.toString();

    assertFalse(text.contains(PASSWORD), text);
    assertTrue(text.contains("password=***"), text);
    assertTrue(text.contains("nova"), text);
  }
}
