package io.github.keystoneauthfilter.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;

/**
 * The {@code keystone} health contributor on Spring Boot 4 (the {@code spring-boot-health} module's
 * {@code org.springframework.boot.health.contributor} API). Off with {@code
 * management.health.keystone.enabled=false}.
 */
@AutoConfiguration(after = KeystoneAuthAutoConfiguration.class)
@ConditionalOnClass(
    name = {
      "org.springframework.boot.health.contributor.HealthIndicator",
      "org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator"
    })
@ConditionalOnBean(KeystoneAuthFilterRegistration.class)
@ConditionalOnEnabledHealthIndicator("keystone")
public class KeystoneHealthBoot4AutoConfiguration {
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
