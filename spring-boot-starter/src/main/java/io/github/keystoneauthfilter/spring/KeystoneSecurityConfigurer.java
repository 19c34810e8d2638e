package io.github.keystoneauthfilter.spring;

import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import org.springframework.context.ApplicationContext;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;

/**
 * Adds Keystone to an application's own {@code SecurityFilterChain}, in one line:
 *
 * <pre>{@code
 * http.with(KeystoneSecurityConfigurer.keystone(), Customizer.withDefaults());
 * }</pre>
 *
 * <p>It puts the identity the Keystone filter confirmed into the security context as a {@link
 * KeystoneAuthentication} (authorities from the {@link KeystoneAuthorities} bean), answers Spring
 * Security's 401 as the filter does (JSON, {@code WWW-Authenticate: Keystone uri="…"}) and its 403
 * in JSON, and exempts requests carrying a confirmed Keystone identity from CSRF checks (a token
 * header is not a cookie a browser sends by itself). The filter itself (registered by the starter)
 * strips forged headers, validates, and answers 401 and 503 before Spring Security runs.
 */
public final class KeystoneSecurityConfigurer
    extends AbstractHttpConfigurer<KeystoneSecurityConfigurer, HttpSecurity> {

  private KeystoneSecurityConfigurer() {}

  /** A configurer for {@code http.with(…)}. */
  public static KeystoneSecurityConfigurer keystone() {
    return new KeystoneSecurityConfigurer();
  }

  @Override
  public void init(HttpSecurity http) throws Exception {
    KeystoneErrorResponses responses =
        new KeystoneErrorResponses(
            filter(context(http)).settings().wwwAuthenticateUri().toString());
    http.exceptionHandling(
        exceptions ->
            exceptions.authenticationEntryPoint(responses).accessDeniedHandler(responses));
    http.csrf(
        csrf ->
            csrf.ignoringRequestMatchers(
                request ->
                    request.getAttribute(KeystoneAuthFilter.IDENTITY_ATTRIBUTE)
                        instanceof Identity));
  }

  @Override
  public void configure(HttpSecurity http) {
    SecurityContextHolderStrategy contexts =
        http.getSharedObject(SecurityContextHolderStrategy.class);
    if (contexts == null) {
      contexts = SecurityContextHolder.getContextHolderStrategy();
    }
    KeystoneAuthorities authorities = context(http).getBean(KeystoneAuthorities.class);
    http.addFilterBefore(
        new KeystoneSecurityFilter(authorities, contexts), AnonymousAuthenticationFilter.class);
  }

  private static ApplicationContext context(HttpSecurity http) {
    ApplicationContext context = http.getSharedObject(ApplicationContext.class);
    if (context == null) {
      throw new IllegalStateException(
          "KeystoneSecurityConfigurer needs the HttpSecurity of a Spring application context");
    }
    return context;
  }

  /** The Keystone filter the starter (or the application) registered. */
  static KeystoneAuthFilter filter(ApplicationContext context) {
    return context.getBean(KeystoneAuthFilterRegistration.class).filter();
  }
}
