package io.github.keystoneauthfilter.testing;

import io.github.keystoneauthfilter.AccessRule;
import io.github.keystoneauthfilter.Identity;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Builds {@link Identity} values for tests by name instead of by position.
 *
 * <p>{@code Identities.user("u-1").name("alice").project("p-1", "demo").roles("member")
 * .expiresAt(t).build()}. What a test does not set stays as Keystone would leave it: names and
 * domains absent, unscoped, no roles, {@code is_admin_project} true (keystonemiddleware's default
 * when Keystone leaves it out), no catalog, no catalog service types, no access rules. The expiry
 * has no default: {@link Builder#build()} fails without one.
 */
public final class Identities {
  private Identities() {}

  /** A builder for the identity of user {@code userId}. */
  public static Builder user(String userId) {
    return new Builder(userId);
  }

  /** An {@link Identity} under construction; not thread-safe. */
  public static final class Builder {
    private final String userId;
    private @Nullable String userName;
    private @Nullable String userDomainId;
    private @Nullable String userDomainName;
    private @Nullable String projectId;
    private @Nullable String projectName;
    private @Nullable String projectDomainId;
    private @Nullable String projectDomainName;
    private @Nullable String domainId;
    private @Nullable String domainName;
    private boolean systemScope;
    private @Nullable String scope;
    private List<String> roles = List.of();
    private boolean adminProject = true;
    private @Nullable Instant expiresAt;
    private @Nullable String catalogV2Json;
    private @Nullable Set<String> catalogServiceTypes;
    private @Nullable List<AccessRule> accessRules;

    private Builder(String userId) {
      this.userId = Objects.requireNonNull(userId, "userId");
    }

    /** The user's name. */
    public Builder name(String name) {
      this.userName = name;
      return this;
    }

    /** The user's domain. */
    public Builder userDomain(String id, String name) {
      this.userDomainId = id;
      this.userDomainName = name;
      return this;
    }

    /** Scopes the token to a project whose domain is not known. */
    public Builder project(String id, String name) {
      claimScope("project");
      this.projectId = id;
      this.projectName = name;
      return this;
    }

    /** Scopes the token to a project in domain {@code domainId} / {@code domainName}. */
    public Builder project(String id, String name, String domainId, String domainName) {
      project(id, name);
      this.projectDomainId = domainId;
      this.projectDomainName = domainName;
      return this;
    }

    /** Scopes the token to a domain. */
    public Builder domainScope(String id, String name) {
      claimScope("domain");
      this.domainId = id;
      this.domainName = name;
      return this;
    }

    /** Scopes the token to the whole system ({@code system.all}). */
    public Builder systemScope() {
      claimScope("system");
      this.systemScope = true;
      return this;
    }

    /** The role names, in Keystone's order. */
    public Builder roles(String... names) {
      return roles(List.of(names));
    }

    /** The role names, in Keystone's order. */
    public Builder roles(List<String> names) {
      this.roles = List.copyOf(names);
      return this;
    }

    /** {@code token.is_admin_project}; true unless set. */
    public Builder adminProject(boolean adminProject) {
      this.adminProject = adminProject;
      return this;
    }

    /** When the token expires; required. */
    public Builder expiresAt(Instant expiresAt) {
      this.expiresAt = expiresAt;
      return this;
    }

    /** The v2-layout service catalog as JSON, or null for none. */
    public Builder catalog(@Nullable String catalogV2Json) {
      this.catalogV2Json = catalogV2Json;
      return this;
    }

    /** The service types in the token's catalog, or null when the catalog was not asked for. */
    public Builder catalogServiceTypes(@Nullable Set<String> types) {
      this.catalogServiceTypes = types;
      return this;
    }

    /** The application credential's access rules (an empty list restricts to nothing). */
    public Builder accessRules(AccessRule... rules) {
      this.accessRules = List.of(rules);
      return this;
    }

    /** The application credential's access rules, or null when the token is not restricted. */
    public Builder accessRules(@Nullable List<AccessRule> rules) {
      this.accessRules = rules;
      return this;
    }

    /** The identity; fails when no expiry was set. */
    public Identity build() {
      Instant expiry = expiresAt;
      if (expiry == null) {
        throw new IllegalStateException("expiresAt(...) was not called for user " + userId);
      }
      Identity.Scope scopeValue;
      if (projectId != null) {
        scopeValue =
            new Identity.Project(projectId, projectName, projectDomainId, projectDomainName);
      } else if (domainId != null) {
        scopeValue = new Identity.Domain(domainId, domainName);
      } else {
        scopeValue = systemScope ? new Identity.SystemAll() : new Identity.Unscoped();
      }
      return new Identity(
          new Identity.User(userId, userName, userDomainId, userDomainName),
          scopeValue,
          roles,
          adminProject,
          expiry,
          catalogV2Json,
          catalogServiceTypes,
          accessRules);
    }

    private void claimScope(String kind) {
      String taken = scope;
      if (taken != null) {
        throw new IllegalStateException(
            "the identity is already " + taken + "-scoped; cannot scope it to a " + kind);
      }
      scope = kind;
    }
  }
}
