package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.testing.Identities;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdentityHeadersTest {
  private static final Instant EXPIRES = Instant.parse("2026-11-28T13:14:15Z");

  /** keystonemiddleware's 31 names (reference §2.1) plus OpenStack-System-Scope. */
  private static final Set<String> EXPECTED_STRIPPED =
      Set.of(
          "X-Identity-Status",
          "X-Service-Identity-Status",
          "X-Service-Catalog",
          "X-Is-Admin-Project",
          "X-Role",
          "X-User",
          "X-Tenant-Id",
          "X-Tenant-Name",
          "X-Tenant",
          "X-Domain-Id",
          "X-Domain-Name",
          "X-Project-Id",
          "X-Project-Name",
          "X-Project-Domain-Id",
          "X-Project-Domain-Name",
          "X-User-Id",
          "X-User-Name",
          "X-User-Domain-Id",
          "X-User-Domain-Name",
          "X-Roles",
          "X-Service-Domain-Id",
          "X-Service-Domain-Name",
          "X-Service-Project-Id",
          "X-Service-Project-Name",
          "X-Service-Project-Domain-Id",
          "X-Service-Project-Domain-Name",
          "X-Service-User-Id",
          "X-Service-User-Name",
          "X-Service-User-Domain-Id",
          "X-Service-User-Domain-Name",
          "X-Service-Roles",
          "OpenStack-System-Scope");

  static Identity projectScoped(List<String> roles, boolean adminProject, String catalog) {
    return Identities.user("u-1")
        .name("alice")
        .userDomain("ud-1", "Users")
        .project("p-1", "demo", "pd-1", "Projects")
        .roles(roles)
        .adminProject(adminProject)
        .expiresAt(EXPIRES)
        .catalog(catalog)
        .build();
  }

  private static Identity domainScoped() {
    return Identities.user("u-1")
        .name("alice")
        .userDomain("ud-1", "Users")
        .domainScope("d-1", "Engineering")
        .roles("reader")
        .expiresAt(EXPIRES)
        .build();
  }

  private static Identity systemScoped() {
    return Identities.user("u-1")
        .name("admin")
        .userDomain("ud-1", "Default")
        .systemScope()
        .roles("admin")
        .expiresAt(EXPIRES)
        .build();
  }

  @Test
  void strippedWhenListedThenExactlyKeystonemiddlewaresNamesPlusSystemScope() {
    assertEquals(32, EXPECTED_STRIPPED.size());
    assertEquals(32, IdentityHeaders.STRIPPED.size());
    assertEquals(EXPECTED_STRIPPED, new HashSet<>(IdentityHeaders.STRIPPED));
  }

  @Test
  void isStrippedWhenAnyCaseThenTrue() {
    for (String name : EXPECTED_STRIPPED) {
      assertTrue(IdentityHeaders.isStripped(name), name);
      assertTrue(IdentityHeaders.isStripped(name.toLowerCase(Locale.ROOT)), name);
      assertTrue(IdentityHeaders.isStripped(name.toUpperCase(Locale.ROOT)), name);
    }
    assertTrue(IdentityHeaders.isStripped("x-uSeR-iD"));
  }

  @Test
  void isStrippedWhenTokenOrUnrelatedHeaderThenFalse() {
    for (String name :
        List.of(
            "X-Auth-Token",
            "X-Storage-Token",
            "X-Service-Token",
            "X_Auth_Token",
            "Accept",
            "X-User-Agent",
            "X_User_Agent",
            "X-Roles-",
            "X-Role_s",
            "XRoles")) {
      assertFalse(IdentityHeaders.isStripped(name), name);
    }
  }

  @Test
  void isStrippedWhenUnderscoresSpellTheDashesInAnyCaseThenTrue() {
    for (String name : EXPECTED_STRIPPED) {
      String underscored = name.replace('-', '_');
      assertTrue(IdentityHeaders.isStripped(underscored), underscored);
      assertTrue(IdentityHeaders.isStripped(underscored.toLowerCase(Locale.ROOT)), underscored);
      assertTrue(IdentityHeaders.isStripped(underscored.toUpperCase(Locale.ROOT)), underscored);
      String firstOnly = name.replaceFirst("-", "_");
      assertTrue(IdentityHeaders.isStripped(firstOnly), firstOnly);
    }
    assertTrue(IdentityHeaders.isStripped("X_Roles"));
    assertTrue(IdentityHeaders.isStripped("x_user-ID"));
    assertTrue(IdentityHeaders.isStripped("OPENSTACK_SYSTEM_SCOPE"));
  }

  @Test
  void confirmedWhenProjectScopedThenKeystonemiddlewareValues() {
    Map<String, String> headers =
        IdentityHeaders.confirmed(projectScoped(List.of("admin", "member"), false, null));

    assertEquals("Confirmed", headers.get("X-Identity-Status"));
    assertEquals("u-1", headers.get("X-User-Id"));
    assertEquals("alice", headers.get("X-User-Name"));
    assertEquals("ud-1", headers.get("X-User-Domain-Id"));
    assertEquals("Users", headers.get("X-User-Domain-Name"));
    assertEquals("p-1", headers.get("X-Project-Id"));
    assertEquals("demo", headers.get("X-Project-Name"));
    assertEquals("pd-1", headers.get("X-Project-Domain-Id"));
    assertEquals("Projects", headers.get("X-Project-Domain-Name"));
    assertEquals("admin,member", headers.get("X-Roles"));
    assertEquals("False", headers.get("X-Is-Admin-Project"));
    assertEquals("admin,member", headers.get("X-Role"));
    assertEquals("alice", headers.get("X-User"));
    assertEquals("p-1", headers.get("X-Tenant-Id"));
    assertEquals("demo", headers.get("X-Tenant-Name"));
    assertFalse(headers.containsKey("X-Domain-Id"));
    assertFalse(headers.containsKey("X-Domain-Name"));
    assertFalse(headers.containsKey("OpenStack-System-Scope"));
  }

  @Test
  void confirmedWhenProjectScopedThenXTenantIsProjectName() {
    Map<String, String> headers =
        IdentityHeaders.confirmed(projectScoped(List.of("member"), true, null));

    assertEquals("demo", headers.get("X-Tenant"));
  }

  @Test
  void confirmedWhenSeveralRolesThenCommaWithoutSpacesInTokenOrder() {
    Map<String, String> headers =
        IdentityHeaders.confirmed(projectScoped(List.of("reader", "member", "admin"), true, null));

    assertEquals("reader,member,admin", headers.get("X-Roles"));
  }

  @Test
  void confirmedWhenNoRolesThenEmptyRolesHeader() {
    Map<String, String> headers = IdentityHeaders.confirmed(projectScoped(List.of(), true, null));

    assertEquals("", headers.get("X-Roles"));
    assertEquals("", headers.get("X-Role"));
  }

  @Test
  void confirmedWhenAdminProjectThenTrue() {
    Map<String, String> headers =
        IdentityHeaders.confirmed(projectScoped(List.of("member"), true, null));

    assertEquals("True", headers.get("X-Is-Admin-Project"));
  }

  @Test
  void confirmedWhenSystemScopedThenSystemScopeAll() {
    Map<String, String> headers = IdentityHeaders.confirmed(systemScoped());

    assertEquals("all", headers.get("OpenStack-System-Scope"));
    assertFalse(headers.containsKey("X-Project-Id"));
    assertFalse(headers.containsKey("X-Domain-Id"));
  }

  @Test
  void confirmedWhenDomainScopedThenNoProjectHeaders() {
    Map<String, String> headers = IdentityHeaders.confirmed(domainScoped());

    assertEquals("d-1", headers.get("X-Domain-Id"));
    assertEquals("Engineering", headers.get("X-Domain-Name"));
    for (String name :
        List.of(
            "X-Project-Id",
            "X-Project-Name",
            "X-Project-Domain-Id",
            "X-Project-Domain-Name",
            "X-Tenant-Id",
            "X-Tenant-Name",
            "X-Tenant",
            "OpenStack-System-Scope")) {
      assertFalse(headers.containsKey(name), name);
    }
  }

  @Test
  void confirmedWhenUserNameAbsentThenUserNameHeadersLeftOut() {
    Identity identity = Identities.user("u-1").expiresAt(EXPIRES).build();

    Map<String, String> headers = IdentityHeaders.confirmed(identity);

    assertEquals("u-1", headers.get("X-User-Id"));
    assertFalse(headers.containsKey("X-User-Name"));
    assertFalse(headers.containsKey("X-User"));
    assertFalse(headers.containsKey("X-User-Domain-Id"));
    assertFalse(headers.containsValue(null));
  }

  @Test
  void confirmedWhenCatalogPresentThenServiceCatalogHeader() {
    String catalog = "[{\"type\":\"compute\",\"endpoints\":[]}]";

    Map<String, String> headers =
        IdentityHeaders.confirmed(projectScoped(List.of("member"), true, catalog));

    assertEquals(catalog, headers.get("X-Service-Catalog"));
  }

  @Test
  void confirmedWhenNoCatalogThenNoServiceCatalogHeader() {
    Map<String, String> headers =
        IdentityHeaders.confirmed(projectScoped(List.of("member"), true, null));

    assertFalse(headers.containsKey("X-Service-Catalog"));
  }

  @Test
  void confirmedWhenAnyIdentityThenOnlyStrippableNamesSet() {
    // Everything the filter injects must be something it also strips, or a client could forge it.
    for (String name :
        IdentityHeaders.confirmed(projectScoped(List.of("a"), true, "[]")).keySet()) {
      assertTrue(IdentityHeaders.isStripped(name), name);
    }
  }

  @Test
  void invalidWhenCalledThenOnlyIdentityStatusInvalid() {
    assertEquals(Map.of("X-Identity-Status", "Invalid"), IdentityHeaders.invalid());
  }
}
