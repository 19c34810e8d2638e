package io.github.keystoneauthfilter.spring;

import org.jspecify.annotations.Nullable;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.preauth.PreAuthenticatedAuthenticationToken;

/**
 * Authenticates a {@link PreAuthenticatedAuthenticationToken} whose principal is a {@link
 * KeystonePrincipal} (an identity the Keystone filter already confirmed) as a {@link
 * KeystoneAuthentication}; anything else it leaves to other providers. For code that authenticates
 * through an {@code AuthenticationManager}. The starter declares it only when the application has
 * no authentication of its own (no {@code AuthenticationManager}, {@code AuthenticationProvider} or
 * {@code UserDetailsService} bean), in the place of the generated development user Spring Boot
 * would otherwise create.
 */
public final class KeystoneAuthenticationProvider implements AuthenticationProvider {
  private final KeystoneAuthorities authorities;

  /**
   * @param authorities roles to authorities
   */
  public KeystoneAuthenticationProvider(KeystoneAuthorities authorities) {
    this.authorities = authorities;
  }

  @Override
  public @Nullable Authentication authenticate(Authentication authentication) {
    if (authentication.getPrincipal() instanceof KeystonePrincipal principal) {
      return new KeystoneAuthentication(principal, authorities.authorities(principal));
    }
    return null;
  }

  @Override
  public boolean supports(Class<?> authentication) {
    return PreAuthenticatedAuthenticationToken.class.isAssignableFrom(authentication);
  }
}
