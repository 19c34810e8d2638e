package io.github.keystoneauthfilter.spring;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * Turns a Keystone identity's roles into Spring Security authorities: {@code prefix + (mapped name
 * or role)} for each role, in Keystone's order, so that with the default prefix {@code ROLE_} the
 * role {@code admin} satisfies {@code hasRole('admin')}. Declare a bean of this type to replace the
 * starter's (from {@code keystone.auth.security.*}); override {@link #authorities} for more (e.g. a
 * {@code SCOPE_} authority for the project).
 */
public class KeystoneAuthorities {
  private final String prefix;
  private final Map<String, String> mappings;

  /**
   * @param prefix put before each name ({@code keystone.auth.security.authority-prefix})
   * @param mappings role name to authority name ({@code keystone.auth.security.role-mappings})
   */
  public KeystoneAuthorities(String prefix, Map<String, String> mappings) {
    this.prefix = prefix;
    this.mappings = Map.copyOf(mappings);
  }

  /** The authorities of a confirmed principal. */
  public List<GrantedAuthority> authorities(KeystonePrincipal principal) {
    List<GrantedAuthority> authorities = new ArrayList<>();
    for (String role : principal.roles()) {
      authorities.add(new SimpleGrantedAuthority(prefix + mappings.getOrDefault(role, role)));
    }
    return authorities;
  }
}
