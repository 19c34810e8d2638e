package io.github.keystoneauthfilter.samples.springboot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.config.Credentials;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

class KeystonePropertiesTest {
  @Test
  void toConfigWhenSetThenEveryValueReachesTheConfig() {
    KeystoneAuthConfig config =
        new KeystoneProperties(
                List.of("http://k1:5000/v3", "http://k2:5000"),
                "svc",
                "svc-pass",
                "service",
                "https://keystone.example.com",
                Duration.ofSeconds(60),
                Duration.ofSeconds(4),
                List.of("/public/*", "/health"))
            .toConfig();
    assertEquals(
        List.of(URI.create("http://k1:5000"), URI.create("http://k2:5000")), config.authUrls());
    assertEquals(
        new Credentials.Password("svc", "svc-pass", "Default", "service", "Default"),
        config.credentials());
    assertEquals(URI.create("https://keystone.example.com"), config.wwwAuthenticateUri());
    assertEquals(Duration.ofSeconds(60), config.tokenCache().time());
    assertEquals(Duration.ofSeconds(4), config.failover().deadline());
    assertEquals(List.of("/public/*", "/health"), config.excludedPaths());
  }

  @Test
  void toConfigWhenOptionalUnsetThenFilterDefaults() {
    KeystoneAuthConfig config =
        new KeystoneProperties(
                List.of("http://k1:5000/v3"), "svc", "svc-pass", "service", null, null, null, null)
            .toConfig();
    assertEquals(URI.create("http://k1:5000"), config.wwwAuthenticateUri());
    assertEquals(KeystoneAuthConfig.DEFAULT_TOKEN_CACHE_TIME, config.tokenCache().time());
    assertEquals(KeystoneAuthConfig.DEFAULT_FAILOVER_DEADLINE, config.failover().deadline());
  }

  @Test
  void toConfigWhenRequiredUnsetThenNamesThePropertyAndVariable() {
    KeystoneProperties properties =
        new KeystoneProperties(
            List.of("http://k1:5000"), "svc", "svc-pass", null, null, null, null, null);
    IllegalStateException e = assertThrows(IllegalStateException.class, properties::toConfig);
    assertEquals(
        "keystone.project-name is not set: set the environment variable KEYSTONE_PROJECT_NAME or"
            + " the property keystone.project-name",
        e.getMessage());
  }

  @Test
  void bindWhenEnvironmentVariablesThenTheyFillKeystoneProperties() {
    StandardEnvironment environment = new StandardEnvironment();
    environment
        .getPropertySources()
        .addFirst(
            new SystemEnvironmentPropertySource(
                "test-env",
                Map.of(
                    "KEYSTONE_AUTH_URL", "http://k1:5000/v3,http://k2:5000/v3",
                    "KEYSTONE_USERNAME", "svc",
                    "KEYSTONE_PASSWORD", "svc-pass",
                    "KEYSTONE_PROJECT_NAME", "service",
                    "KEYSTONE_TOKEN_CACHE_TIME", "1m",
                    "KEYSTONE_EXCLUDED_PATHS", "/public/*,/health")));
    KeystoneProperties properties =
        new Binder(ConfigurationPropertySources.get(environment))
            .bind("keystone", KeystoneProperties.class)
            .get();
    assertEquals(
        new KeystoneProperties(
            List.of("http://k1:5000/v3", "http://k2:5000/v3"),
            "svc",
            "svc-pass",
            "service",
            null,
            Duration.ofMinutes(1),
            null,
            List.of("/public/*", "/health")),
        properties);
  }
}
