package io.github.keystoneauthfilter.spring;

import java.util.Collection;
import org.jspecify.annotations.Nullable;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;

/**
 * A request's Keystone identity as Spring Security's {@code Authentication}: principal a {@link
 * KeystonePrincipal}, name the user name, authorities from the roles ({@link KeystoneAuthorities}),
 * always authenticated. It holds no credentials: the token stays in the request and never reaches
 * the security context.
 */
public final class KeystoneAuthentication extends AbstractAuthenticationToken {
  private static final long serialVersionUID = 1L;

  private final KeystonePrincipal principal;

  /**
   * An authenticated token.
   *
   * @param principal the confirmed identities
   * @param authorities what the roles map to
   */
  public KeystoneAuthentication(
      KeystonePrincipal principal, Collection<? extends GrantedAuthority> authorities) {
    super(authorities);
    this.principal = principal;
    super.setAuthenticated(true);
  }

  @Override
  public KeystonePrincipal getPrincipal() {
    return principal;
  }

  /** None: the token is never kept. */
  @Override
  public @Nullable Object getCredentials() {
    return null;
  }

  @Override
  public String getName() {
    return principal.getName();
  }

  /**
   * Refuses to be marked authenticated by anyone but its constructor.
   *
   * @throws IllegalArgumentException always when {@code authenticated} is true
   */
  @Override
  public void setAuthenticated(boolean authenticated) {
    if (authenticated) {
      throw new IllegalArgumentException("only the constructor authenticates a Keystone identity");
    }
    super.setAuthenticated(false);
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof KeystoneAuthentication that
        && super.equals(that)
        && principal.equals(that.principal);
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + principal.hashCode();
  }
}
