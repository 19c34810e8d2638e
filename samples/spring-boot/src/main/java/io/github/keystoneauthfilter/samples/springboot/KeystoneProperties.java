package io.github.keystoneauthfilter.samples.springboot;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.KeystoneAuthConfigBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The filter's settings under {@code keystone.*} ({@code application.properties}, overridden by
 * environment variables such as {@code KEYSTONE_AUTH_URL} or {@code KEYSTONE_PASSWORD}). Only the
 * options this sample needs; each maps to the {@link KeystoneAuthConfigBuilder} setter of the same
 * keystonemiddleware option, whose defaults apply when a property is unset.
 *
 * @param authUrl {@code auth_url}: Keystone URLs, primary first (a comma-separated list)
 * @param username {@code username} of the service user
 * @param password {@code password} of the service user
 * @param projectName {@code project_name} of the service user
 * @param wwwAuthenticateUri {@code www_authenticate_uri}; default the first URL
 * @param tokenCacheTime {@code token_cache_time}, e.g. {@code 300s}
 * @param failoverDeadline {@code failover_deadline}, e.g. {@code 10s}
 * @param excludedPaths {@code excluded_paths}: paths let through without a token (a comma-separated
 *     list, e.g. {@code /public/*})
 */
@ConfigurationProperties("keystone")
public record KeystoneProperties(
    @Nullable List<String> authUrl,
    @Nullable String username,
    @Nullable String password,
    @Nullable String projectName,
    @Nullable String wwwAuthenticateUri,
    @Nullable Duration tokenCacheTime,
    @Nullable Duration failoverDeadline,
    @Nullable List<String> excludedPaths) {

  /**
   * The filter's configuration.
   *
   * @throws IllegalStateException naming the first required property that is unset
   * @throws IllegalArgumentException naming the option whose value is bad
   */
  public KeystoneAuthConfig toConfig() {
    KeystoneAuthConfigBuilder builder =
        KeystoneAuthConfig.builder()
            .username(required("keystone.username", username))
            .password(required("keystone.password", password))
            .projectName(required("keystone.project-name", projectName));
    for (String url : required("keystone.auth-url", authUrl)) {
      builder.authUrl(url);
    }
    if (wwwAuthenticateUri != null) {
      builder.wwwAuthenticateUri(wwwAuthenticateUri);
    }
    if (tokenCacheTime != null) {
      builder.tokenCacheTime(tokenCacheTime);
    }
    if (failoverDeadline != null) {
      builder.failoverDeadline(failoverDeadline);
    }
    if (excludedPaths != null) {
      builder.excludedPaths(excludedPaths);
    }
    return builder.build();
  }

  private static <T> T required(String property, @Nullable T value) {
    if (value == null) {
      throw new IllegalStateException(
          property
              + " is not set: set the environment variable "
              + property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_')
              + " or the property "
              + property);
    }
    return value;
  }
}
