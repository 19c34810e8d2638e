package io.github.keystoneauthfilter;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What Keystone vouched for when it validated a token: a {@link User}, the {@link Scope} the token
 * is good for, and what comes with it. Immutable; it holds no token.
 *
 * <p>The accessors {@link #userId()}, {@link #projectId()}, {@link #domainId()}, {@link
 * #systemScope()} and the like read through the user and the scope; those of another scope than the
 * token's are null (or false).
 *
 * @param user who the token belongs to
 * @param scope what the token is scoped to: exactly one of a project, a domain, the whole system,
 *     or nothing
 * @param roles role names in the order Keystone listed them
 * @param adminProject {@code token.is_admin_project}; {@code true} when Keystone leaves it out, as
 *     keystonemiddleware does
 * @param expiresAt when the token expires
 * @param catalogV2Json the service catalog converted to the v2 layout that {@code
 *     X-Service-Catalog} carries, as JSON, or null when the token has none or the catalog is off
 * @param catalogServiceTypes the service types in the token's catalog, or null when the catalog was
 *     not asked for
 * @param accessRules the access rules of the application credential the token was issued for, or
 *     null when it is not restricted (no application credential, or no rules)
 */
public record Identity(
    User user,
    Scope scope,
    List<String> roles,
    boolean adminProject,
    Instant expiresAt,
    @Nullable String catalogV2Json,
    @Nullable Set<String> catalogServiceTypes,
    @Nullable List<AccessRule> accessRules) {

  /** Copies the collections and checks the required components. */
  public Identity {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(expiresAt, "expiresAt");
    roles = List.copyOf(roles);
    catalogServiceTypes = catalogServiceTypes == null ? null : Set.copyOf(catalogServiceTypes);
    accessRules = accessRules == null ? null : List.copyOf(accessRules);
  }

  /**
   * The user a token belongs to ({@code token.user}).
   *
   * @param id the user's id; always present
   * @param name the user's name
   * @param domainId the id of the user's domain
   * @param domainName the name of the user's domain
   */
  public record User(
      String id, @Nullable String name, @Nullable String domainId, @Nullable String domainName) {
    /** Checks the id. */
    public User {
      Objects.requireNonNull(id, "id");
    }
  }

  /** What a token is scoped to: a project, a domain, the whole system, or nothing. */
  public sealed interface Scope permits Project, Domain, SystemAll, Unscoped {}

  /**
   * Scoped to a project ({@code token.project}).
   *
   * @param id the project's id; always present
   * @param name the project's name
   * @param domainId the id of the project's domain
   * @param domainName the name of the project's domain
   */
  public record Project(
      String id, @Nullable String name, @Nullable String domainId, @Nullable String domainName)
      implements Scope {
    /** Checks the id. */
    public Project {
      Objects.requireNonNull(id, "id");
    }
  }

  /**
   * Scoped to a domain ({@code token.domain}).
   *
   * @param id the domain's id; always present
   * @param name the domain's name
   */
  public record Domain(String id, @Nullable String name) implements Scope {
    /** Checks the id. */
    public Domain {
      Objects.requireNonNull(id, "id");
    }
  }

  /** Scoped to the whole system ({@code token.system.all} true). */
  public record SystemAll() implements Scope {}

  /** Not scoped: the token names a user and nothing to act on. */
  public record Unscoped() implements Scope {}

  /** {@code user().id()}. */
  public String userId() {
    return user.id();
  }

  /** {@code user().name()}. */
  public @Nullable String userName() {
    return user.name();
  }

  /** {@code user().domainId()}. */
  public @Nullable String userDomainId() {
    return user.domainId();
  }

  /** {@code user().domainName()}. */
  public @Nullable String userDomainName() {
    return user.domainName();
  }

  /** The project's id when project-scoped, else null. */
  public @Nullable String projectId() {
    return scope instanceof Project p ? p.id() : null;
  }

  /** The project's name when project-scoped, else null. */
  public @Nullable String projectName() {
    return scope instanceof Project p ? p.name() : null;
  }

  /** The project's domain id when project-scoped, else null. */
  public @Nullable String projectDomainId() {
    return scope instanceof Project p ? p.domainId() : null;
  }

  /** The project's domain name when project-scoped, else null. */
  public @Nullable String projectDomainName() {
    return scope instanceof Project p ? p.domainName() : null;
  }

  /** The domain's id when domain-scoped, else null. */
  public @Nullable String domainId() {
    return scope instanceof Domain d ? d.id() : null;
  }

  /** The domain's name when domain-scoped, else null. */
  public @Nullable String domainName() {
    return scope instanceof Domain d ? d.name() : null;
  }

  /** Whether the token is scoped to the whole system. */
  public boolean systemScope() {
    return scope instanceof SystemAll;
  }

  /** Whether the token has expired at {@code now}. */
  public boolean isExpiredAt(Instant now) {
    return !now.isBefore(expiresAt);
  }

  @Override
  public String toString() {
    // The catalog can be kilobytes long; the rest identifies the identity well enough.
    return "Identity[user="
        + user
        + ", scope="
        + scope
        + ", roles="
        + roles
        + ", expiresAt="
        + expiresAt
        + "]";
  }
}
