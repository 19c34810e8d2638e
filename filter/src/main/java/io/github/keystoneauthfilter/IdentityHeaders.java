package io.github.keystoneauthfilter;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The identity headers, named and formatted as keystonemiddleware's {@code auth_token} sets them.
 */
public final class IdentityHeaders {
  /** {@code Confirmed} when the user token is valid, else {@code Invalid}. */
  public static final String IDENTITY_STATUS = "X-Identity-Status";

  /** {@code Confirmed} or {@code Invalid}; set only when an {@code X-Service-Token} was sent. */
  public static final String SERVICE_IDENTITY_STATUS = "X-Service-Identity-Status";

  /** The user's id. */
  public static final String USER_ID = "X-User-Id";

  /** The user's name. */
  public static final String USER_NAME = "X-User-Name";

  /** The id of the user's domain. */
  public static final String USER_DOMAIN_ID = "X-User-Domain-Id";

  /** The name of the user's domain. */
  public static final String USER_DOMAIN_NAME = "X-User-Domain-Name";

  /** The id of the project a project-scoped token is scoped to. */
  public static final String PROJECT_ID = "X-Project-Id";

  /** The name of that project. */
  public static final String PROJECT_NAME = "X-Project-Name";

  /** The id of that project's domain. */
  public static final String PROJECT_DOMAIN_ID = "X-Project-Domain-Id";

  /** The name of that project's domain. */
  public static final String PROJECT_DOMAIN_NAME = "X-Project-Domain-Name";

  /** The id of the domain a domain-scoped token is scoped to. */
  public static final String DOMAIN_ID = "X-Domain-Id";

  /** The name of that domain. */
  public static final String DOMAIN_NAME = "X-Domain-Name";

  /** Role names in token order, joined by {@code ,} without spaces. */
  public static final String ROLES = "X-Roles";

  /** {@code True} or {@code False}; {@code True} when Keystone leaves the field out. */
  public static final String IS_ADMIN_PROJECT = "X-Is-Admin-Project";

  /** {@code all} for a system-scoped token; absent otherwise. */
  public static final String SYSTEM_SCOPE = "OpenStack-System-Scope";

  /** The token's catalog in the v2 layout, as JSON. */
  public static final String SERVICE_CATALOG = "X-Service-Catalog";

  /** Deprecated alias of {@link #ROLES}. */
  public static final String LEGACY_ROLE = "X-Role";

  /** Deprecated alias of {@link #USER_NAME}. */
  public static final String LEGACY_USER = "X-User";

  /** Deprecated alias of {@link #PROJECT_ID}. */
  public static final String LEGACY_TENANT_ID = "X-Tenant-Id";

  /** Deprecated alias of {@link #PROJECT_NAME}. */
  public static final String LEGACY_TENANT_NAME = "X-Tenant-Name";

  /** Deprecated alias that carries the project <em>name</em>, as keystonemiddleware does. */
  public static final String LEGACY_TENANT = "X-Tenant";

  /** Values of the status headers. */
  public static final String CONFIRMED = "Confirmed";

  /** Values of the status headers. */
  public static final String INVALID = "Invalid";

  private static final List<String> PER_PREFIX =
      List.of(
          "Domain-Id",
          "Domain-Name",
          "Project-Id",
          "Project-Name",
          "Project-Domain-Id",
          "Project-Domain-Name",
          "User-Id",
          "User-Name",
          "User-Domain-Id",
          "User-Domain-Name",
          "Roles");

  /**
   * Every header a client could forge: keystonemiddleware's 31 names plus {@code
   * OpenStack-System-Scope}, which keystonemiddleware forgets. Canonical spelling.
   */
  public static final List<String> STRIPPED =
      Stream.of(
              Stream.of(
                  IDENTITY_STATUS,
                  SERVICE_IDENTITY_STATUS,
                  SERVICE_CATALOG,
                  IS_ADMIN_PROJECT,
                  LEGACY_ROLE,
                  LEGACY_USER,
                  LEGACY_TENANT_ID,
                  LEGACY_TENANT_NAME,
                  LEGACY_TENANT,
                  SYSTEM_SCOPE),
              PER_PREFIX.stream().map(suffix -> "X-" + suffix),
              PER_PREFIX.stream().map(suffix -> "X-Service-" + suffix))
          .flatMap(s -> s)
          .toList();

  /**
   * Header names compared as CGI/WSGI gateways and some proxies read them: in any letter case, and
   * with {@code _} read as {@code -} ({@code X_Roles} is {@code X-Roles} to them). Compares in
   * place, without copying either name (no allocation per request).
   */
  private static final Comparator<String> GATEWAY_ORDER =
      (a, b) -> {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
          char x = fold(a.charAt(i));
          char y = fold(b.charAt(i));
          if (x != y) {
            return x - y;
          }
        }
        return a.length() - b.length();
      };

  /** Looked up in any case and underscore spelling (see {@link #GATEWAY_ORDER}). */
  private static final TreeSet<String> STRIPPED_ANY_CASE = new TreeSet<>(GATEWAY_ORDER);

  static {
    STRIPPED_ANY_CASE.addAll(STRIPPED);
  }

  private IdentityHeaders() {}

  /**
   * Whether a client-sent header of this name must be hidden from the application: one of {@link
   * #STRIPPED} in any letter case, also with any of its {@code -} written {@code _} ({@code
   * x_roles}, {@code X_User-Id}), since a gateway that merges the two would pass it on as the
   * identity header.
   */
  public static boolean isStripped(String headerName) {
    return STRIPPED_ANY_CASE.contains(headerName);
  }

  private static char fold(char c) {
    return c == '_' ? '-' : Character.toLowerCase(Character.toUpperCase(c));
  }

  /**
   * The headers that a request carrying a valid user token gets, in a stable order. Values that the
   * identity does not have are left out rather than sent empty; {@code X-Roles} is the exception
   * (keystonemiddleware sends an empty string for a token without roles).
   */
  public static Map<String, String> confirmed(Identity identity) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(IDENTITY_STATUS, CONFIRMED);
    put(headers, USER_ID, identity.userId());
    put(headers, USER_NAME, identity.userName());
    put(headers, USER_DOMAIN_ID, identity.userDomainId());
    put(headers, USER_DOMAIN_NAME, identity.userDomainName());
    put(headers, PROJECT_ID, identity.projectId());
    put(headers, PROJECT_NAME, identity.projectName());
    put(headers, PROJECT_DOMAIN_ID, identity.projectDomainId());
    put(headers, PROJECT_DOMAIN_NAME, identity.projectDomainName());
    put(headers, DOMAIN_ID, identity.domainId());
    put(headers, DOMAIN_NAME, identity.domainName());
    String roles = String.join(",", identity.roles());
    headers.put(ROLES, roles);
    headers.put(IS_ADMIN_PROJECT, identity.adminProject() ? "True" : "False");
    put(headers, SYSTEM_SCOPE, identity.systemScope() ? "all" : null);
    put(headers, SERVICE_CATALOG, identity.catalogV2Json());
    headers.put(LEGACY_ROLE, roles);
    put(headers, LEGACY_USER, identity.userName());
    put(headers, LEGACY_TENANT_ID, identity.projectId());
    put(headers, LEGACY_TENANT_NAME, identity.projectName());
    put(headers, LEGACY_TENANT, identity.projectName());
    return headers;
  }

  /**
   * The headers a confirmed service token adds: {@code X-Service-Identity-Status: Confirmed} and
   * the user, project and domain headers and roles with the {@code X-Service-} prefix. No catalog,
   * no admin-project header, no legacy aliases (as keystonemiddleware), and — unlike
   * keystonemiddleware — never {@code OpenStack-System-Scope}, so a service token cannot remove or
   * replace the user token's system scope.
   */
  public static Map<String, String> service(Identity identity) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(SERVICE_IDENTITY_STATUS, CONFIRMED);
    put(headers, "X-Service-User-Id", identity.userId());
    put(headers, "X-Service-User-Name", identity.userName());
    put(headers, "X-Service-User-Domain-Id", identity.userDomainId());
    put(headers, "X-Service-User-Domain-Name", identity.userDomainName());
    put(headers, "X-Service-Project-Id", identity.projectId());
    put(headers, "X-Service-Project-Name", identity.projectName());
    put(headers, "X-Service-Project-Domain-Id", identity.projectDomainId());
    put(headers, "X-Service-Project-Domain-Name", identity.projectDomainName());
    put(headers, "X-Service-Domain-Id", identity.domainId());
    put(headers, "X-Service-Domain-Name", identity.domainName());
    headers.put("X-Service-Roles", String.join(",", identity.roles()));
    return headers;
  }

  /** The one header a request without a valid user token gets (with delay_auth_decision). */
  public static Map<String, String> invalid() {
    return Map.of(IDENTITY_STATUS, INVALID);
  }

  private static void put(Map<String, String> headers, String name, @Nullable String value) {
    if (value != null) {
      headers.put(name, value);
    }
  }
}
