package io.github.keystoneauthfilter;

import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;

/**
 * What {@link WithoutMicrometerTest} runs inside a class loader that has no Micrometer: a filter in
 * a container validates a good and a bad token against a fake Keystone, and counts both. Not a test
 * itself; public so that the other class loader can call {@link #run()}.
 */
public final class NoMicrometerScenario {
  private NoMicrometerScenario() {}

  /**
   * Runs the scenario.
   *
   * @return the status for a valid token, the status for an unknown one, then the confirmed and
   *     invalid request counts from {@link KeystoneAuthFilter#metrics()}
   */
  public static long[] run() throws Exception {
    try (FakeKeystone site = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service")) {
      String token = site.issue(KeystoneTokenFixture.create());
      KeystoneAuthFilter filter =
          new KeystoneAuthFilter(
              KeystoneAuthConfig.builder()
                  .authUrl(site.uri().toString())
                  .username("svc")
                  .password("svc-pass")
                  .projectName("service")
                  .build());
      try (FilterHarness harness = FilterHarness.start(filter)) {
        int valid = harness.withToken(token);
        int unknown = harness.withToken("not-a-known-token");
        MetricsSnapshot.Requests requests = filter.metrics().requests();
        return new long[] {valid, unknown, requests.confirmed(), requests.invalid()};
      }
    }
  }
}
