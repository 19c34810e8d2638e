package io.github.keystoneauthfilter.internal.config;

import static io.github.keystoneauthfilter.testing.ConfigReads.applicationCredential;
import static io.github.keystoneauthfilter.testing.ConfigReads.passwordLogin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.internal.request.ExcludedPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code config_file}, {@code ${ENV}} substitution, and the options added for parity. */
class InitParametersFileTest {
  private static final Map<String, String> ENV =
      Map.of("KS_PASSWORD", "s3cret", "KS_HOST", "keystone.example.com");

  @TempDir Path dir;

  private static KeystoneAuthConfig parse(Map<String, String> params) {
    return InitParameters.parse(params, ENV::get).build();
  }

  @Test
  void parseWhenConfigFileNamedThenItsOptionsApply() throws Exception {
    Path file = dir.resolve("keystone.properties");
    Files.writeString(
        file,
        "auth_url=https://${KS_HOST}/v3\nusername=nova\npassword=${KS_PASSWORD}\n"
            + "project_name=service\n");

    KeystoneAuthConfig config = parse(Map.of("config_file", file.toString()));

    assertEquals("https://keystone.example.com", config.authUrls().get(0).toString());
    assertEquals("s3cret", passwordLogin(config).password());
  }

  @Test
  void parseWhenInitParamAndFileBothSetAnOptionThenInitParamWins() throws Exception {
    Path file = dir.resolve("keystone.properties");
    Files.writeString(
        file, "auth_url=http://a:5000\nusername=from-file\npassword=p\nproject_name=service\n");

    KeystoneAuthConfig config =
        parse(Map.of("config_file", file.toString(), "username", "from-param"));

    assertEquals("from-param", passwordLogin(config).username());
  }

  @Test
  void parseWhenVariableUnsetThenFailsNamingOptionAndVariableNotTheValue() {
    IllegalArgumentException failure =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                parse(
                    Map.of(
                        "auth_url", "http://a:5000",
                        "username", "nova",
                        "password", "${NOT_SET_ANYWHERE}",
                        "project_name", "service")));

    assertEquals(
        "password refers to ${NOT_SET_ANYWHERE}, but the environment variable NOT_SET_ANYWHERE"
            + " is not set",
        failure.getMessage());
  }

  @Test
  void parseWhenConfigFileMissingThenFailsNamingIt() {
    String missing = dir.resolve("nope.properties").toString();

    IllegalArgumentException failure =
        assertThrows(IllegalArgumentException.class, () -> parse(Map.of("config_file", missing)));

    assertTrue(failure.getMessage().startsWith("config_file '" + missing + "' cannot be read"));
  }

  @Test
  void parseWhenConfigFileSetsConfigFileThenFails() throws Exception {
    Path file = dir.resolve("loop.properties");
    Files.writeString(file, "config_file=/etc/other\n");

    IllegalArgumentException failure =
        assertThrows(
            IllegalArgumentException.class, () -> parse(Map.of("config_file", file.toString())));

    assertTrue(failure.getMessage().contains("must not itself set config_file"));
  }

  @Test
  void parseWhenServiceOptionsGivenThenApplied() {
    KeystoneAuthConfig config =
        parse(
            Map.of(
                "auth_url", "http://a:5000",
                "username", "nova",
                "password", "p",
                "project_name", "service",
                "service_token_roles", "service, admin",
                "service_token_roles_required", "False",
                "invalid_token_cache_time", "-1",
                "excluded_paths", "/health,/public/*"));

    assertEquals(List.of("service", "admin"), config.serviceTokenRoles());
    assertFalse(config.serviceTokenRolesRequired());
    assertEquals(Duration.ZERO, config.tokenCache().invalidTime());
    assertEquals(List.of("/health", "/public/*"), config.excludedPaths());
  }

  @Test
  void parseWhenServiceOptionsAbsentThenKeystonemiddleware13Defaults() {
    KeystoneAuthConfig config =
        parse(
            Map.of(
                "auth_url", "http://a:5000",
                "username", "nova",
                "password", "p",
                "project_name", "service"));

    assertEquals(List.of("service"), config.serviceTokenRoles());
    assertTrue(config.serviceTokenRolesRequired());
    assertEquals(Duration.ofSeconds(5), config.tokenCache().invalidTime());
    assertEquals(List.of(), config.excludedPaths());
  }

  @Test
  void parseWhenExcludedPathHasOtherWildcardThenFailsNamingIt() {
    IllegalArgumentException failure =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                parse(
                    Map.of(
                        "auth_url", "http://a:5000",
                        "username", "nova",
                        "password", "p",
                        "project_name", "service",
                        "excluded_paths", "/health,/api/*/docs")));

    assertTrue(failure.getMessage().startsWith("excluded_paths must be"), failure.getMessage());
    assertTrue(failure.getMessage().contains("'/api/*/docs'"), failure.getMessage());
  }

  @Test
  void parseWhenServiceTokenRolesEmptyEntryThenFails() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            parse(
                Map.of(
                    "auth_url", "http://a:5000",
                    "username", "nova",
                    "password", "p",
                    "project_name", "service",
                    "service_token_roles", "service,,admin")));
  }

  @Test
  void parseWhenApplicationCredentialByIdThenNoUserOrProjectNeeded() {
    KeystoneAuthConfig config =
        parse(
            Map.of(
                "auth_url", "http://a:5000",
                "auth_type", "v3applicationcredential",
                "application_credential_id", "abc",
                "application_credential_secret", "${KS_PASSWORD}"));

    assertEquals(KeystoneAuthConfig.AuthType.APPLICATION_CREDENTIAL, config.authType());
    assertEquals("abc", applicationCredential(config).id());
    assertEquals("s3cret", applicationCredential(config).secret());
    assertFalse(config.toString().contains("s3cret"));
  }

  @Test
  void parseWhenApplicationCredentialWithoutSecretThenFailsNamingIt() {
    IllegalArgumentException failure =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                parse(
                    Map.of(
                        "auth_url", "http://a:5000",
                        "auth_type", "v3applicationcredential",
                        "application_credential_id", "abc")));

    assertEquals("application_credential_secret is required", failure.getMessage());
  }

  @Test
  void parseWhenApplicationCredentialNamedWithoutOwnerThenFailsSayingWhatIsNeeded() {
    IllegalArgumentException failure =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                parse(
                    Map.of(
                        "auth_url", "http://a:5000",
                        "auth_type", "v3applicationcredential",
                        "application_credential_name", "ci",
                        "application_credential_secret", "x")));

    assertTrue(failure.getMessage().contains("application_credential_name and username"));
  }

  @Test
  void parseWhenApplicationCredentialWithProjectNameThenFailsNamingIt() {
    IllegalArgumentException failure =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                parse(
                    Map.of(
                        "auth_url", "http://a:5000",
                        "auth_type", "v3applicationcredential",
                        "application_credential_id", "abc",
                        "application_credential_secret", "x",
                        "project_name", "service")));

    assertTrue(failure.getMessage().contains("takes no project_name"), failure.getMessage());
  }

  @Test
  void excludedPathsWhenPrefixThenMatchesOnSegmentBoundaryOnly() {
    ExcludedPaths paths = new ExcludedPaths(List.of("/health", "/public/*"));

    assertTrue(paths.matches("/health"));
    assertFalse(paths.matches("/healthz"));
    assertFalse(paths.matches("/health/"));
    assertTrue(paths.matches("/public"));
    assertTrue(paths.matches("/public/"));
    assertTrue(paths.matches("/public/a/b"));
    assertFalse(paths.matches("/publicity"));
    assertFalse(paths.matches("/"));
  }
}
