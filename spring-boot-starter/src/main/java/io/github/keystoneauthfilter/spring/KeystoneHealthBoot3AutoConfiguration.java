package io.github.keystoneauthfilter.spring;

import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code keystone} health contributor on Spring Boot 3 (actuator's {@code
 * org.springframework.boot.actuate.health} API; Boot 4 moved it, see {@link
 * KeystoneHealthBoot4AutoConfiguration}). Off with {@code
 * management.health.keystone.enabled=false}.
 */
@AutoConfiguration(after = KeystoneAuthAutoConfiguration.class)
@ConditionalOnClass(
    name = {
      "org.springframework.boot.actuate.health.HealthIndicator",
      "org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator"
    })
@ConditionalOnBean(KeystoneAuthFilterRegistration.class)
@ConditionalOnEnabledHealthIndicator("keystone")
public class KeystoneHealthBoot3AutoConfiguration {
  /** Named {@code keystone} in the health endpoint. */
  @Bean
  @ConditionalOnMissingBean(name = "keystoneHealthIndicator")
  public HealthIndicator keystoneHealthIndicator(KeystoneAuthFilterRegistration registration) {
    return () -> {
      KeystoneHealth health = KeystoneHealth.of(registration.filter());
      return Health.status(new Status(health.status())).withDetails(health.details()).build();
    };
  }
}
