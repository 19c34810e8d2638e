package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.keystoneauthfilter.token.AccessRule;
import io.github.keystoneauthfilter.token.Identity;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Application-credential access rules, keystonemiddleware §3.7, literals escaped. */
class AccessRulesTest {
  private static Identity restricted(Set<String> catalog, AccessRule... rules) {
    return new Identity(
        "u",
        "user",
        null,
        null,
        "p",
        "project",
        null,
        null,
        null,
        null,
        false,
        List.of("member"),
        true,
        Instant.parse("2030-01-01T00:00:00Z"),
        null,
        catalog,
        List.of(rules));
  }

  @ParameterizedTest(name = "{0} matches {1}: {2}")
  @CsvSource({
    "/v2.1/servers, /v2.1/servers, true",
    "/v2.1/servers, /v2.1/servers/, false",
    "/v2.1/servers/{server_id}, /v2.1/servers/abc, true",
    "/v2.1/servers/{server_id}, /v2.1/servers/, false",
    "/v2.1/servers/{server_id}, /v2.1/servers/abc/ips, false",
    "/v2.1/servers/*, /v2.1/servers/abc, true",
    "/v2.1/servers/*/ips, /v2.1/servers/abc/ips, true",
    "/v2.1/servers/**, /v2.1/servers/abc/ips/x, true",
    "/v2.1/servers/**, /v2.1/servers/, true",
    "/v2.1/servers/**, /v2.1/servers, false",
    "/v2.1/**, /v2.1/anything, true",
    "/v2.1/servers, /v2x1/servers, false",
    "/v1/a.b, /v1/aXb, false",
    "/v1/a.b, /v1/a.b, true",
    "/v1/(x), /v1/(x), true",
  })
  void compileWhenPatternThenMatchesAsKeystonemiddlewareWithLiteralsEscaped(
      String pattern, String path, boolean matches) {
    assertEquals(matches, AccessRules.compile(pattern).matcher(path).matches());
  }

  @Test
  void refusalWhenNoAccessRulesThenAllowedEvenWithoutServiceType() {
    Identity plain =
        new Identity(
            "u",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            false,
            List.of(),
            true,
            Instant.parse("2030-01-01T00:00:00Z"),
            null);

    assertNull(new AccessRules(null).refusal(plain, "GET", "/x", false));
  }

  @Test
  void refusalWhenServiceTypeUnsetThenRefused() {
    Identity identity =
        restricted(Set.of("compute"), new AccessRule("compute", "GET", "/v2.1/servers"));

    assertNotNull(new AccessRules(null).refusal(identity, "GET", "/v2.1/servers", false));
  }

  @Test
  void refusalWhenRuleMatchesMethodServiceAndPathThenAllowed() {
    Identity identity =
        restricted(Set.of("compute"), new AccessRule("compute", "GET", "/v2.1/servers/{id}"));
    AccessRules rules = new AccessRules("compute");

    assertNull(rules.refusal(identity, "GET", "/v2.1/servers/42", false));
    assertNotNull(rules.refusal(identity, "DELETE", "/v2.1/servers/42", false));
    assertNotNull(rules.refusal(identity, "GET", "/v2.1/flavors", false));
  }

  @Test
  void refusalWhenRuleIsForAnotherServiceThenRefused() {
    Identity identity =
        restricted(Set.of("compute", "image"), new AccessRule("image", "GET", "/v2/images"));

    assertNotNull(new AccessRules("compute").refusal(identity, "GET", "/v2/images", false));
  }

  @Test
  void refusalWhenEmptyRuleListThenEverythingRefused() {
    Identity identity = restricted(Set.of("compute"));

    assertNotNull(new AccessRules("compute").refusal(identity, "GET", "/", false));
  }

  @Test
  void refusalWhenServiceTypeNotInCatalogThenRefusedEvenWithServiceToken() {
    Identity identity = restricted(Set.of("image"), new AccessRule("compute", "GET", "/**"));

    assertNotNull(new AccessRules("compute").refusal(identity, "GET", "/x", true));
  }

  @Test
  void refusalWhenServiceTokenAndTypeInCatalogThenAllowedWithoutMatchingRules() {
    Identity identity = restricted(Set.of("compute"), new AccessRule("compute", "GET", "/only"));

    assertNull(new AccessRules("compute").refusal(identity, "POST", "/other", true));
  }

  @Test
  void refusalWhenIdentityServiceValidatesTokensThenAllowed() {
    Identity identity = restricted(Set.of("identity"));

    assertNull(new AccessRules("identity").refusal(identity, "GET", "/v3/auth/tokens", false));
  }

  @Test
  void refusalWhenCatalogNotAskedForThenRefusedNamingTheSetting() {
    Identity identity =
        new Identity(
            "u",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            false,
            List.of(),
            true,
            Instant.parse("2030-01-01T00:00:00Z"),
            null,
            null,
            List.of(new AccessRule("compute", "GET", "/**")));

    String refusal = new AccessRules("compute").refusal(identity, "GET", "/x", false);

    assertNotNull(refusal);
    assertEquals(true, refusal.contains("include_service_catalog"));
  }
}
