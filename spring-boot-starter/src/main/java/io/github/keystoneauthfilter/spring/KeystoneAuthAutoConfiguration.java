package io.github.keystoneauthfilter.spring;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.metrics.KeystoneAuthMeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * The filter from {@code keystone.auth.*}, registered once ({@link
 * KeystoneAuthFilterRegistration}), in a servlet web application with {@code
 * keystone.auth.auth-url} set; and its Micrometer meters when Micrometer is on the class path (Boot
 * binds them to every registry). Each bean gives way to one of the application's own of the same
 * type.
 */
@AutoConfiguration(
    beforeName = {
      // Boot 3.5 and Boot 4.0 names: the security chain of KeystoneSecurityAutoConfiguration must
      // be defined before Boot decides whether to add its default one.
      "org.springframework.boot.autoconfigure.security.servlet.SecurityAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration"
    })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({KeystoneAuthFilter.class, jakarta.servlet.Filter.class})
@Conditional(OnAuthUrlCondition.class)
@EnableConfigurationProperties(KeystoneAuthProperties.class)
public class KeystoneAuthAutoConfiguration {

  /**
   * The filter's configuration from the properties.
   *
   * @throws IllegalArgumentException naming the property whose value is bad
   */
  @Bean
  @ConditionalOnMissingBean
  public KeystoneAuthConfig keystoneAuthConfig(KeystoneAuthProperties properties) {
    return properties.toConfig();
  }

  /** The filter, registered once for every dispatcher type. */
  @Bean
  @ConditionalOnMissingBean
  public KeystoneAuthFilterRegistration keystoneAuthFilterRegistration(KeystoneAuthConfig config) {
    return new KeystoneAuthFilterRegistration(config);
  }

  /** The filter's meters, bound by Boot to each {@code MeterRegistry}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
  public static class Metrics {
    /** The meters of README's "Metrics" table. */
    @Bean
    @ConditionalOnMissingBean
    public KeystoneAuthMeterBinder keystoneAuthMeterBinder(
        KeystoneAuthFilterRegistration registration) {
      return new KeystoneAuthMeterBinder(registration.filter());
    }
  }
}
