package io.github.keystoneauthfilter.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationManagerResolver;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Spring Security, when it is on the class path: Keystone identities become {@link
 * KeystoneAuthentication}s with {@code ROLE_<role>} authorities ({@link KeystoneAuthorities}),
 * {@code @PreAuthorize} is turned on, and, unless the application declares its own {@link
 * SecurityFilterChain}, a default chain requires a Keystone identity for every request except those
 * the filter let through on {@code excluded_paths}. An application's own chain adds Keystone with
 * {@code http.with(KeystoneSecurityConfigurer.keystone(), Customizer.withDefaults())}.
 */
@AutoConfiguration(
    after = KeystoneAuthAutoConfiguration.class,
    beforeName = {
      // Boot 3.5 and Boot 4.0: ours first, so that Boot's default chains (the application's and
      // the actuator's) see a SecurityFilterChain and step aside, and no generated user is made.
      "org.springframework.boot.autoconfigure.security.servlet.SecurityAutoConfiguration",
      "org.springframework.boot.autoconfigure.security.servlet.UserDetailsServiceAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.security.servlet.ManagementWebSecurityAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration"
    })
@ConditionalOnClass({SecurityFilterChain.class, HttpSecurity.class})
@ConditionalOnBean(KeystoneAuthFilterRegistration.class)
public class KeystoneSecurityAutoConfiguration {

  /** Roles to authorities, from {@code keystone.auth.security.*}. */
  @Bean
  @ConditionalOnMissingBean
  public KeystoneAuthorities keystoneAuthorities(KeystoneAuthProperties properties) {
    return new KeystoneAuthorities(
        properties.security().authorityPrefix(), properties.security().roleMappings());
  }

  /**
   * Pre-authenticated Keystone identities for an {@code AuthenticationManager}, declared only when
   * the application has no authentication of its own: then Spring Boot creates no generated user
   * (whose password it would log) beside Keystone.
   */
  @Bean
  @ConditionalOnMissingBean({
    AuthenticationManager.class,
    AuthenticationProvider.class,
    UserDetailsService.class,
    AuthenticationManagerResolver.class
  })
  public KeystoneAuthenticationProvider keystoneAuthenticationProvider(
      KeystoneAuthorities authorities) {
    return new KeystoneAuthenticationProvider(authorities);
  }

  /**
   * The default chain: a Keystone identity for every request, except what the filter excluded;
   * stateless, no CSRF (no cookie carries the identity), Keystone's 401 and a JSON 403.
   */
  @Bean
  @ConditionalOnMissingBean(SecurityFilterChain.class)
  @Order(Ordered.DEFAULT_CHAIN)
  public SecurityFilterChain keystoneSecurityFilterChain(
      HttpSecurity http, KeystoneAuthFilterRegistration registration) throws Exception {
    http.with(KeystoneSecurityConfigurer.keystone(), Customizer.withDefaults());
    http.authorizeHttpRequests(
        requests ->
            requests
                .requestMatchers(registration.filter()::isExcluded)
                .permitAll()
                .anyRequest()
                .authenticated());
    http.sessionManagement(
        sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
    http.csrf(csrf -> csrf.disable());
    return http.build();
  }

  /**
   * {@code @PreAuthorize} and friends, unless {@code keystone.auth.security.method-security=false}.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(
      prefix = "keystone.auth.security",
      name = "method-security",
      havingValue = "true",
      matchIfMissing = true)
  @EnableMethodSecurity
  public static class MethodSecurity {}

  /** Orders. */
  static final class Ordered {
    /** As Boot's own default chain (SecurityProperties.BASIC_AUTH_ORDER). */
    static final int DEFAULT_CHAIN = org.springframework.core.Ordered.LOWEST_PRECEDENCE - 5;

    private Ordered() {}
  }
}
