package io.github.keystoneauthfilter.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Builds the body Keystone v3 answers to a token validation ({@code {"token": {...}}}), in the
 * spirit of {@code keystoneauth1/fixture/v3.py}: every id and name has a random default, so a test
 * sets only what it asserts on and reads the rest back through the getters.
 *
 * <p>Defaults: method {@code password}; a user and a project scope, each in its own random domain;
 * one role {@code member}; issued now, expiring in one hour; one audit id; no catalog, no {@code
 * is_admin_project}, no application credential. Instants are kept to microseconds, as Keystone
 * writes them ({@code 2026-11-28T13:14:15.000000Z}), so the getters equal what a parser reads.
 *
 * <p>Mutable and not thread-safe: build it in one thread, then hand it to {@link FakeKeystone}
 * (which takes a snapshot) or serialize it.
 */
public final class KeystoneTokenFixture {
  /** What a token is scoped to. */
  public enum Scope {
    PROJECT,
    DOMAIN,
    SYSTEM,
    UNSCOPED
  }

  /** One catalog endpoint; {@code iface} is Keystone's {@code interface} (public, internal...). */
  public record Endpoint(String iface, String region, String url) {}

  /** One role on the token. */
  public record Role(String id, String name) {}

  /** One access rule of an application credential. */
  public record AccessRule(String id, String service, String method, String path) {}

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Keystone's timestamp format: ISO-8601 in UTC with microseconds. */
  public static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private List<String> methods = List.of("password");
  private String userId = hex();
  private String userName = name("user");
  private String userDomainId = hex();
  private String userDomainName = name("user-domain");
  private Scope scope = Scope.PROJECT;
  private String projectId = hex();
  private String projectName = name("project");
  private String projectDomainId = hex();
  private String projectDomainName = name("project-domain");
  private String domainId = hex();
  private String domainName = name("domain");
  private final List<Role> roles = new ArrayList<>(List.of(new Role(hex(), "member")));
  private @Nullable Boolean isAdminProject;
  private Instant issuedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
  private Instant expiresAt = issuedAt.plus(Duration.ofHours(1));
  private List<String> auditIds = List.of(auditId());
  private @Nullable ArrayNode catalog;
  private @Nullable String applicationCredentialId;
  private @Nullable String applicationCredentialName;
  private boolean applicationCredentialRestricted = true;
  private final List<AccessRule> accessRules = new ArrayList<>();

  /** A project-scoped token with random ids and names (see the class comment for defaults). */
  public KeystoneTokenFixture() {}

  /** Same as {@code new KeystoneTokenFixture()}. */
  public static KeystoneTokenFixture create() {
    return new KeystoneTokenFixture();
  }

  /** An endpoint for {@link #addService}. */
  public static Endpoint endpoint(String iface, String region, String url) {
    return new Endpoint(iface, region, url);
  }

  /** A new random 32-hex-digit id, like {@code uuid4().hex}. */
  public static String hex() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  /** Formats an instant the way Keystone does. */
  public static String timestamp(Instant instant) {
    return TIMESTAMP.format(instant);
  }

  // ---------------------------------------------------------------- setters

  /** The authentication methods, e.g. {@code password}, {@code token}. */
  public KeystoneTokenFixture methods(String... values) {
    this.methods = List.of(values);
    return this;
  }

  /** The user's id and name. */
  public KeystoneTokenFixture user(String id, String name) {
    this.userId = id;
    this.userName = name;
    return this;
  }

  /** The user's id. */
  public KeystoneTokenFixture userId(String value) {
    this.userId = value;
    return this;
  }

  /** The user's name. */
  public KeystoneTokenFixture userName(String value) {
    this.userName = value;
    return this;
  }

  /** The user's domain. */
  public KeystoneTokenFixture userDomain(String id, String name) {
    this.userDomainId = id;
    this.userDomainName = name;
    return this;
  }

  /** Scopes the token to a project, keeping the current project values. */
  public KeystoneTokenFixture projectScope() {
    this.scope = Scope.PROJECT;
    return this;
  }

  /** Scopes the token to this project (its domain is unchanged). */
  public KeystoneTokenFixture project(String id, String name) {
    this.scope = Scope.PROJECT;
    this.projectId = id;
    this.projectName = name;
    return this;
  }

  /** Scopes the token to a project with this id. */
  public KeystoneTokenFixture projectId(String value) {
    this.scope = Scope.PROJECT;
    this.projectId = value;
    return this;
  }

  /** Scopes the token to a project with this name. */
  public KeystoneTokenFixture projectName(String value) {
    this.scope = Scope.PROJECT;
    this.projectName = value;
    return this;
  }

  /** The scoped project's domain. */
  public KeystoneTokenFixture projectDomain(String id, String name) {
    this.scope = Scope.PROJECT;
    this.projectDomainId = id;
    this.projectDomainName = name;
    return this;
  }

  /** Scopes the token to a domain, keeping the current (random) domain values. */
  public KeystoneTokenFixture domainScope() {
    this.scope = Scope.DOMAIN;
    return this;
  }

  /** Scopes the token to this domain: {@code "domain": {"id", "name"}}. */
  public KeystoneTokenFixture domainScope(String id, String name) {
    this.scope = Scope.DOMAIN;
    this.domainId = id;
    this.domainName = name;
    return this;
  }

  /** Scopes the token to the whole system: {@code "system": {"all": true}}. */
  public KeystoneTokenFixture systemScope() {
    this.scope = Scope.SYSTEM;
    return this;
  }

  /** No scope: no project, domain, system or roles in the body. */
  public KeystoneTokenFixture unscoped() {
    this.scope = Scope.UNSCOPED;
    return this;
  }

  /** Replaces the roles by roles with these names and random ids. */
  public KeystoneTokenFixture roles(String... names) {
    roles.clear();
    for (String name : names) {
      roles.add(new Role(hex(), name));
    }
    return this;
  }

  /** Adds one role. */
  public KeystoneTokenFixture addRole(String id, String name) {
    roles.add(new Role(id, name));
    return this;
  }

  /** Sets {@code is_admin_project}; {@code null} (the default) leaves it out of the body. */
  public KeystoneTokenFixture isAdminProject(@Nullable Boolean value) {
    this.isAdminProject = value;
    return this;
  }

  /** When the token was issued (kept to microseconds). */
  public KeystoneTokenFixture issuedAt(Instant value) {
    this.issuedAt = value.truncatedTo(ChronoUnit.MICROS);
    return this;
  }

  /** When the token expires (kept to microseconds). */
  public KeystoneTokenFixture expiresAt(Instant value) {
    this.expiresAt = value.truncatedTo(ChronoUnit.MICROS);
    return this;
  }

  /** Expires {@code lifetime} after {@link #issuedAt()}. */
  public KeystoneTokenFixture expiresIn(Duration lifetime) {
    return expiresAt(issuedAt.plus(lifetime));
  }

  /** The audit ids (the token's own first, then its parent's). */
  public KeystoneTokenFixture auditIds(String... values) {
    this.auditIds = List.of(values);
    return this;
  }

  /**
   * Adds a service to the catalog (which is left out of the body until the first one is added).
   *
   * @param type e.g. {@code compute}
   * @param name e.g. {@code nova}
   */
  public KeystoneTokenFixture addService(String type, String name, Endpoint... endpoints) {
    ArrayNode services = catalog;
    if (services == null) {
      services = MAPPER.createArrayNode();
      catalog = services;
    }
    ObjectNode service = services.addObject();
    ArrayNode list = service.putArray("endpoints");
    for (Endpoint e : endpoints) {
      ObjectNode node = list.addObject();
      node.put("id", hex());
      node.put("interface", e.iface());
      node.put("region", e.region());
      node.put("region_id", e.region());
      node.put("url", e.url());
    }
    service.put("id", hex());
    service.put("name", name);
    service.put("type", type);
    return this;
  }

  /** Marks the token as obtained with this (restricted) application credential. */
  public KeystoneTokenFixture applicationCredential(String id, String name) {
    this.applicationCredentialId = id;
    this.applicationCredentialName = name;
    return this;
  }

  /** The application credential's {@code restricted} flag (default true). */
  public KeystoneTokenFixture applicationCredentialRestricted(boolean value) {
    this.applicationCredentialRestricted = value;
    return this;
  }

  /**
   * Adds an access rule to the application credential, creating one with random values if none was
   * set.
   */
  public KeystoneTokenFixture addAccessRule(String service, String method, String path) {
    if (applicationCredentialId == null) {
      applicationCredential(hex(), name("app-cred"));
    }
    accessRules.add(new AccessRule(hex(), service, method, path));
    return this;
  }

  // ---------------------------------------------------------------- getters

  public List<String> methods() {
    return methods;
  }

  public String userId() {
    return userId;
  }

  public String userName() {
    return userName;
  }

  public String userDomainId() {
    return userDomainId;
  }

  public String userDomainName() {
    return userDomainName;
  }

  public Scope scope() {
    return scope;
  }

  /** The scoped project's id, or null unless project-scoped. */
  public @Nullable String projectId() {
    return scope == Scope.PROJECT ? projectId : null;
  }

  /** The scoped project's name, or null unless project-scoped. */
  public @Nullable String projectName() {
    return scope == Scope.PROJECT ? projectName : null;
  }

  /** The scoped project's domain id, or null unless project-scoped. */
  public @Nullable String projectDomainId() {
    return scope == Scope.PROJECT ? projectDomainId : null;
  }

  /** The scoped project's domain name, or null unless project-scoped. */
  public @Nullable String projectDomainName() {
    return scope == Scope.PROJECT ? projectDomainName : null;
  }

  /** The scoped domain's id, or null unless domain-scoped. */
  public @Nullable String domainId() {
    return scope == Scope.DOMAIN ? domainId : null;
  }

  /** The scoped domain's name, or null unless domain-scoped. */
  public @Nullable String domainName() {
    return scope == Scope.DOMAIN ? domainName : null;
  }

  /** The roles as set (an unscoped body leaves them out regardless). */
  public List<Role> roles() {
    return List.copyOf(roles);
  }

  public List<String> roleNames() {
    return roles.stream().map(Role::name).toList();
  }

  public List<String> roleIds() {
    return roles.stream().map(Role::id).toList();
  }

  public @Nullable Boolean isAdminProject() {
    return isAdminProject;
  }

  public Instant issuedAt() {
    return issuedAt;
  }

  public Instant expiresAt() {
    return expiresAt;
  }

  public List<String> auditIds() {
    return auditIds;
  }

  /** A copy of the catalog as it appears in the body, or null if no service was added. */
  public @Nullable ArrayNode catalog() {
    ArrayNode services = catalog;
    return services == null ? null : services.deepCopy();
  }

  public @Nullable String applicationCredentialId() {
    return applicationCredentialId;
  }

  public @Nullable String applicationCredentialName() {
    return applicationCredentialName;
  }

  public List<AccessRule> accessRules() {
    return List.copyOf(accessRules);
  }

  // ---------------------------------------------------------------- output

  /** A fresh {@code {"token": {...}}} tree; changing it does not change this fixture. */
  public ObjectNode toJson() {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode token = root.putObject("token");
    ArrayNode methodList = token.putArray("methods");
    methods.forEach(methodList::add);
    ObjectNode user = token.putObject("user");
    domain(user.putObject("domain"), userDomainId, userDomainName);
    user.put("id", userId);
    user.put("name", userName);
    user.putNull("password_expires_at");
    ArrayNode audit = token.putArray("audit_ids");
    auditIds.forEach(audit::add);
    token.put("expires_at", timestamp(expiresAt));
    token.put("issued_at", timestamp(issuedAt));
    switch (scope) {
      case PROJECT -> {
        ObjectNode project = token.putObject("project");
        domain(project.putObject("domain"), projectDomainId, projectDomainName);
        project.put("id", projectId);
        project.put("name", projectName);
        token.put("is_domain", false);
      }
      case DOMAIN -> domain(token.putObject("domain"), domainId, domainName);
      case SYSTEM -> token.putObject("system").put("all", true);
      case UNSCOPED -> {}
    }
    if (scope != Scope.UNSCOPED) {
      ArrayNode roleList = token.putArray("roles");
      for (Role role : roles) {
        roleList.addObject().put("id", role.id()).put("name", role.name());
      }
    }
    Boolean admin = isAdminProject;
    if (admin != null) {
      token.put("is_admin_project", admin.booleanValue());
    }
    ArrayNode services = catalog;
    if (services != null) {
      token.set("catalog", services.deepCopy());
    }
    String credentialId = applicationCredentialId;
    if (credentialId != null) {
      ObjectNode credential = token.putObject("application_credential");
      credential.put("id", credentialId);
      credential.put("name", applicationCredentialName);
      credential.put("restricted", applicationCredentialRestricted);
      if (!accessRules.isEmpty()) {
        ArrayNode rules = credential.putArray("access_rules");
        for (AccessRule rule : accessRules) {
          rules
              .addObject()
              .put("id", rule.id())
              .put("path", rule.path())
              .put("method", rule.method())
              .put("service", rule.service());
        }
      }
    }
    return root;
  }

  /** {@link #toJson()} as a compact JSON string. */
  public String toJsonString() {
    try {
      return MAPPER.writeValueAsString(toJson());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return toJsonString();
  }

  private static void domain(ObjectNode node, String id, String name) {
    node.put("id", id);
    node.put("name", name);
  }

  private static String name(String kind) {
    return kind + "-" + hex().substring(0, 8);
  }

  /** Keystone's audit id: 16 random bytes, URL-safe base64 without padding (22 characters). */
  private static String auditId() {
    byte[] bytes = new byte[16];
    ThreadLocalRandom.current().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
