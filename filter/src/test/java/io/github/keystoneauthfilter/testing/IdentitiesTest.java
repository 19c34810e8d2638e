package io.github.keystoneauthfilter.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.AccessRule;
import io.github.keystoneauthfilter.Identity;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The test builder puts every value in the component its name says. */
class IdentitiesTest {
  private static final Instant EXPIRES = Instant.parse("2026-11-28T13:14:15Z");

  @Test
  void buildWhenEverythingSetThenEachValueInItsOwnComponent() {
    AccessRule rule = new AccessRule("compute", "GET", "/v2.1/servers");

    Identity built =
        Identities.user("u-1")
            .name("alice")
            .userDomain("ud-1", "Users")
            .project("p-1", "demo", "pd-1", "Projects")
            .roles("member", "reader")
            .adminProject(false)
            .expiresAt(EXPIRES)
            .catalog("[]")
            .catalogServiceTypes(Set.of("compute"))
            .accessRules(rule)
            .build();

    assertEquals(
        new Identity(
            new Identity.User("u-1", "alice", "ud-1", "Users"),
            new Identity.Project("p-1", "demo", "pd-1", "Projects"),
            List.of("member", "reader"),
            false,
            EXPIRES,
            "[]",
            Set.of("compute"),
            List.of(rule)),
        built);
  }

  @Test
  void buildWhenNothingButExpirySetThenUnscopedAdminProjectWithNothingElse() {
    Identity built = Identities.user("u-1").expiresAt(EXPIRES).build();

    assertEquals(
        new Identity(
            new Identity.User("u-1", null, null, null),
            new Identity.Unscoped(),
            List.of(),
            true,
            EXPIRES,
            null,
            null,
            null),
        built);
    assertNull(built.accessRules());
    assertNull(built.catalogServiceTypes());
  }

  @Test
  void buildWhenDomainOrSystemScopedThenThatScopeOnly() {
    Identity domain =
        Identities.user("u-1").domainScope("d-1", "Engineering").expiresAt(EXPIRES).build();
    Identity system = Identities.user("u-1").systemScope().expiresAt(EXPIRES).build();

    assertEquals("d-1", domain.domainId());
    assertEquals("Engineering", domain.domainName());
    assertNull(domain.projectId());
    assertTrue(system.systemScope());
    assertNull(system.projectId());
    assertNull(system.domainId());
  }

  @Test
  void buildWhenTwoScopesOrNoExpiryThenRefused() {
    Identities.Builder projectScoped = Identities.user("u-1").project("p-1", "demo");

    assertThrows(IllegalStateException.class, () -> projectScoped.domainScope("d-1", "x"));
    assertThrows(IllegalStateException.class, () -> Identities.user("u-1").build());
  }
}
