package io.github.keystoneauthfilter;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@link WithoutServletTest} runs inside a class loader that has no servlet API: a {@link
 * KeystoneTokenValidator} validates a good and an unknown token against a Keystone running outside
 * that loader. Refers to no servlet class. Not a test itself; public so that the other class loader
 * can call {@link #run}.
 */
public final class NoServletScenario {
  private NoServletScenario() {}

  /**
   * Runs the scenario.
   *
   * @param keystone the Keystone's URL
   * @param token a token it vouches for
   * @return the outcome for {@code token}, then its user id, then the outcome for an unknown token,
   *     then the confirmed and invalid counts from the validator's metrics
   */
  public static List<String> run(String keystone, String token) {
    KeystoneAuthConfig config =
        KeystoneAuthConfig.builder()
            .authUrl(keystone)
            .username("svc")
            .password("svc-pass")
            .projectName("service")
            .build();
    List<String> seen = new ArrayList<>();
    try (KeystoneTokenValidator validator = KeystoneTokenValidator.create(config)) {
      ValidationOutcome good = validator.validate(token, null);
      seen.add(good.getClass().getSimpleName());
      seen.add(
          good instanceof ValidationOutcome.Confirmed confirmed ? confirmed.user().userId() : "-");
      seen.add(validator.validate("unknown-token", null).getClass().getSimpleName());
      seen.add(Long.toString(validator.metrics().requests().confirmed()));
      seen.add(Long.toString(validator.metrics().requests().invalid()));
    }
    return seen;
  }
}
