package io.github.keystoneauthfilter.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import org.junit.jupiter.api.Test;

/** The health check before the filter has started (the rest is KeystoneHealthIT's). */
class KeystoneHealthTest {
  @Test
  void beforeTheFilterStartsThenUnknownNotAnException() {
    KeystoneAuthFilter filter =
        new KeystoneAuthFilter(
            KeystoneAuthConfig.builder()
                .authUrl("http://127.0.0.1:5000")
                .username("svc")
                .password("svc-pass")
                .projectName("service")
                .build());

    KeystoneHealth health = KeystoneHealth.of(filter);

    assertThat(health.status()).isEqualTo("UNKNOWN");
    assertThat(health.details()).containsKey("reason");
  }
}
