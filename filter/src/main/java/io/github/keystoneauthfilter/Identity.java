package io.github.keystoneauthfilter;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What Keystone vouched for when it validated a token. Immutable; it holds no token.
 *
 * <p>Exactly one of project scope ({@link #projectId()} set), domain scope ({@link #domainId()}
 * set), system scope ({@link #systemScope()} true) or none (unscoped) applies.
 *
 * @param userId the user's id ({@code token.user.id}); always present
 * @param userName the user's name
 * @param userDomainId the id of the user's domain
 * @param userDomainName the name of the user's domain
 * @param projectId the project the token is scoped to, if project-scoped
 * @param projectName that project's name
 * @param projectDomainId that project's domain id
 * @param projectDomainName that project's domain name
 * @param domainId the domain the token is scoped to, if domain-scoped
 * @param domainName that domain's name
 * @param systemScope whether the token is scoped to the whole system ({@code system.all})
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
    String userId,
    @Nullable String userName,
    @Nullable String userDomainId,
    @Nullable String userDomainName,
    @Nullable String projectId,
    @Nullable String projectName,
    @Nullable String projectDomainId,
    @Nullable String projectDomainName,
    @Nullable String domainId,
    @Nullable String domainName,
    boolean systemScope,
    List<String> roles,
    boolean adminProject,
    Instant expiresAt,
    @Nullable String catalogV2Json,
    @Nullable Set<String> catalogServiceTypes,
    @Nullable List<AccessRule> accessRules) {

  /** Copies the collections and checks the two required fields. */
  public Identity {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(expiresAt, "expiresAt");
    roles = List.copyOf(roles);
    catalogServiceTypes = catalogServiceTypes == null ? null : Set.copyOf(catalogServiceTypes);
    accessRules = accessRules == null ? null : List.copyOf(accessRules);
  }

  /** An identity with no catalog service types known and no access rules. */
  public Identity(
      String userId,
      @Nullable String userName,
      @Nullable String userDomainId,
      @Nullable String userDomainName,
      @Nullable String projectId,
      @Nullable String projectName,
      @Nullable String projectDomainId,
      @Nullable String projectDomainName,
      @Nullable String domainId,
      @Nullable String domainName,
      boolean systemScope,
      List<String> roles,
      boolean adminProject,
      Instant expiresAt,
      @Nullable String catalogV2Json) {
    this(
        userId,
        userName,
        userDomainId,
        userDomainName,
        projectId,
        projectName,
        projectDomainId,
        projectDomainName,
        domainId,
        domainName,
        systemScope,
        roles,
        adminProject,
        expiresAt,
        catalogV2Json,
        null,
        null);
  }

  /** Whether the token has expired at {@code now}. */
  public boolean isExpiredAt(Instant now) {
    return !now.isBefore(expiresAt);
  }

  @Override
  public String toString() {
    // The catalog can be kilobytes long; the rest identifies the identity well enough.
    return "Identity[userId="
        + userId
        + ", userName="
        + userName
        + ", projectId="
        + projectId
        + ", domainId="
        + domainId
        + ", systemScope="
        + systemScope
        + ", roles="
        + roles
        + ", expiresAt="
        + expiresAt
        + "]";
  }
}
