package io.github.keystoneauthfilter.spring;

import io.github.keystoneauthfilter.Identity;
import java.security.Principal;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The principal of a {@link KeystoneAuthentication}: what Keystone confirmed about the request's
 * token, and about its {@code X-Service-Token} when one was sent and confirmed. Inject it with
 * {@code @AuthenticationPrincipal KeystonePrincipal caller}. Holds no token.
 *
 * @param user the user token's identity: user, project or domain or system scope, roles, catalog
 * @param service the service token's identity, or null when none was sent
 */
public record KeystonePrincipal(Identity user, @Nullable Identity service) implements Principal {
  /** Checks the user identity is present. */
  public KeystonePrincipal {
    Objects.requireNonNull(user, "user");
  }

  /** The user name, or the user id when Keystone gave no name. */
  @Override
  public String getName() {
    String name = user.userName();
    return name != null ? name : user.userId();
  }

  /** The user's id. */
  public String userId() {
    return user.userId();
  }

  /** The project the token is scoped to, or null for a domain-, system- or unscoped token. */
  public @Nullable String projectId() {
    return user.projectId();
  }

  /** The project's name, or null. */
  public @Nullable String projectName() {
    return user.projectName();
  }

  /** The domain a domain-scoped token is scoped to, or null. */
  public @Nullable String domainId() {
    return user.domainId();
  }

  /** Whether the token is system-scoped ({@code OpenStack-System-Scope: all}). */
  public boolean systemScope() {
    return user.systemScope();
  }

  /** The user's Keystone role names, as Keystone listed them. */
  public List<String> roles() {
    return user.roles();
  }
}
