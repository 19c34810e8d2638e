package io.github.keystoneauthfilter.spring;

import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolderStrategy;

/**
 * In Spring Security's chain: turns the identity the Keystone filter confirmed (its request
 * attribute, which only the filter sets: it removes any the request arrived with) into the
 * request's {@link KeystoneAuthentication}. Runs on every pass of the request (error pages,
 * forwards, async dispatches), as the Keystone filter serves each pass the same identity. Leaves a
 * non-anonymous authentication another mechanism made alone.
 */
final class KeystoneSecurityFilter implements Filter {
  private final KeystoneAuthorities authorities;
  private final SecurityContextHolderStrategy contexts;

  KeystoneSecurityFilter(KeystoneAuthorities authorities, SecurityContextHolderStrategy contexts) {
    this.authorities = authorities;
    this.contexts = contexts;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (request.getAttribute(KeystoneAuthFilter.IDENTITY_ATTRIBUTE) instanceof Identity user) {
      Authentication current = contexts.getContext().getAuthentication();
      if (current == null || current instanceof AnonymousAuthenticationToken) {
        Identity service =
            request.getAttribute(KeystoneAuthFilter.SERVICE_IDENTITY_ATTRIBUTE)
                    instanceof Identity confirmed
                ? confirmed
                : null;
        KeystonePrincipal principal = new KeystonePrincipal(user, service);
        SecurityContext context = contexts.createEmptyContext();
        context.setAuthentication(
            new KeystoneAuthentication(principal, authorities.authorities(principal)));
        contexts.setContext(context);
      }
    }
    chain.doFilter(request, response);
  }
}
