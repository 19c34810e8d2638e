package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

  private static KeystoneAuthConfig.Builder complete() {
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
    KeystoneAuthConfig.Builder builder =
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
    KeystoneAuthConfig.Builder builder =
        KeystoneAuthConfig.builder()
            .authUrl("http://a:5000")
            .password(PASSWORD)
            .projectName("service");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);

    assertEquals("username is required", e.getMessage());
  }

  @Test
  void buildWhenNoPasswordThenFailsNamingPassword() {
    KeystoneAuthConfig.Builder builder =
        KeystoneAuthConfig.builder().authUrl("http://a:5000").username("nova").projectName("p");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);

    assertEquals("password is required", e.getMessage());
  }

  @Test
  void buildWhenNoProjectNameThenFailsNamingProjectName() {
    KeystoneAuthConfig.Builder builder =
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

    assertEquals(" pass word ", config.password());
  }

  @Test
  void tokenCacheTimeWhenNegativeThenZero() {
    KeystoneAuthConfig config = complete().tokenCacheTime(Duration.ofSeconds(-1)).build();

    assertEquals(Duration.ZERO, config.tokenCacheTime());
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
    KeystoneAuthConfig.Builder builder =
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

    assertEquals(Duration.ofSeconds(30), config.failoverMaxOpen());
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
    KeystoneAuthConfig config = complete().build();

    assertEquals(KeystoneAuthConfig.DEFAULT_DOMAIN_NAME, config.userDomainName());
    assertEquals(KeystoneAuthConfig.DEFAULT_DOMAIN_NAME, config.projectDomainName());
    assertEquals("Default", KeystoneAuthConfig.DEFAULT_DOMAIN_NAME);
    assertEquals(KeystoneAuthConfig.DEFAULT_TOKEN_CACHE_TIME, config.tokenCacheTime());
    assertEquals(Duration.ofSeconds(300), KeystoneAuthConfig.DEFAULT_TOKEN_CACHE_TIME);
    assertEquals(KeystoneAuthConfig.DEFAULT_TOKEN_CACHE_MAX_ENTRIES, config.tokenCacheMaxEntries());
    assertEquals(KeystoneAuthConfig.DEFAULT_HTTP_CONNECT_TIMEOUT, config.httpConnectTimeout());
    assertEquals(KeystoneAuthConfig.DEFAULT_HTTP_REQUEST_TIMEOUT, config.httpRequestTimeout());
    assertEquals(
        KeystoneAuthConfig.DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT,
        config.maxConnectionsPerEndpoint());
    assertEquals(KeystoneAuthConfig.DEFAULT_FAILOVER_DEADLINE, config.failoverDeadline());
    assertEquals(
        KeystoneAuthConfig.DEFAULT_FAILOVER_FAILURE_THRESHOLD, config.failoverFailureThreshold());
    assertEquals(KeystoneAuthConfig.DEFAULT_FAILOVER_OPEN, config.failoverOpen());
    assertEquals(KeystoneAuthConfig.DEFAULT_FAILOVER_MAX_OPEN, config.failoverMaxOpen());
    assertFalse(config.delayAuthDecision());
    assertTrue(config.includeServiceCatalog());
    assertFalse(config.failoverOnNotFound());
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
