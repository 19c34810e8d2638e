package io.github.keystoneauthfilter.internal.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.AccessRule;
import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.testing.Identities;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Application-credential access rules, keystonemiddleware §3.7, literals escaped. */
class AccessRulesTest {
  private static Identity restricted(Set<String> catalog, AccessRule... rules) {
    return Identities.user("u")
        .name("user")
        .project("p", "project")
        .roles("member")
        .expiresAt(Instant.parse("2030-01-01T00:00:00Z"))
        .catalogServiceTypes(catalog)
        .accessRules(rules)
        .build();
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
  void matchesWhenPatternThenAsKeystonemiddlewareWithLiteralsEscaped(
      String pattern, String path, boolean matches) {
    assertEquals(matches, AccessRules.RulePath.parse(pattern).matches(path));
  }

  /**
   * How rule paths were matched before (a backtracking regex), kept here only to check that the
   * matcher that replaced it agrees with it.
   */
  private static Pattern oldRegex(String rulePath) {
    Matcher token =
        Pattern.compile(
                "(?<tag>\\{[^}]*\\})|(?<wild>\\*(?=$|[^*]))|(?<recursive>\\*\\*)|(?<literal>[^{}*]+)")
            .matcher(rulePath);
    StringBuilder regex = new StringBuilder();
    while (token.find()) {
      if (token.group("tag") != null || token.group("wild") != null) {
        regex.append("[^/]+");
      } else if (token.group("recursive") != null) {
        regex.append(".*");
      } else {
        regex.append(Pattern.quote(token.group("literal")));
      }
    }
    return Pattern.compile(regex.toString());
  }

  private static String randomOf(Random random, String[] pieces, int maxPieces) {
    StringBuilder text = new StringBuilder();
    int count = random.nextInt(maxPieces + 1);
    for (int i = 0; i < count; i++) {
      text.append(pieces[random.nextInt(pieces.length)]);
    }
    return text.toString();
  }

  @Test
  void matchesWhenRandomRulesAndPathsThenSameAnswerAsTheOldRegex() {
    // Pieces that exercise every branch: tags (also unclosed and stray braces), both wildcards,
    // slashes, dots, line terminators (the regex's . stops there), surrogate pairs and lone halves.
    String[] rulePieces = {
      "a",
      "b",
      "/",
      "/",
      "*",
      "**",
      "{x}",
      "{",
      "}",
      "{/}",
      ".",
      "\n",
      "\uD83D\uDE00",
      "\uD83D",
      "\uDE00",
      "ab/"
    };
    String[] pathPieces = {
      "a",
      "b",
      "/",
      "/",
      "ab",
      "x",
      ".",
      "*",
      "{",
      "}",
      "\n",
      "\u2028",
      "\uD83D\uDE00",
      "\uD83D",
      "\uDE00"
    };
    Random random = new Random(20261201L);
    int matched = 0;
    for (int i = 0; i < 50_000; i++) {
      String rule = randomOf(random, rulePieces, 7);
      String path = randomOf(random, pathPieces, 9);
      boolean expected = oldRegex(rule).matcher(path).matches();
      assertEquals(
          expected,
          AccessRules.RulePath.parse(rule).matches(path),
          () -> "rule " + escaped(rule) + " path " + escaped(path));
      matched += expected ? 1 : 0;
    }
    assertTrue(
        matched > 1_000, "enough pairs match for the comparison to mean something: " + matched);
  }

  private static String escaped(String text) {
    StringBuilder out = new StringBuilder("\"");
    text.chars()
        .forEach(c -> out.append(c < 0x20 || c > 0x7e ? String.format("\\u%04X", c) : (char) c));
    return out.append('"').toString();
  }

  @Test
  void matchesWhenHostileRuleAndLongPathThenFinishesQuickly() {
    // Seven ** and a literal that never comes: a backtracking matcher tries every way of
    // splitting 2,000 segments seven ways (the regex took minutes); this must be linear.
    String rule = "/**/**/**/**/**/**/**/z";
    String path = "/a".repeat(2_000);
    AccessRules rules = new AccessRules("compute");
    Identity identity = restricted(Set.of("compute"), new AccessRule("compute", "GET", rule));

    String refusal =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5), () -> rules.refusal(identity, "GET", path, false));

    assertNotNull(refusal);
    assertNull(rules.refusal(identity, "GET", path + "/z", false), "the rule does match this");
  }

  @Test
  void refusalWhenRuleCheckedThenNotKeptOnceTheIdentityIsGone() {
    AccessRules rules = new AccessRules("compute");
    String rulePath = "/v2.1/servers/{id}/unique-" + System.nanoTime();
    WeakReference<String> seen = new WeakReference<>(rulePath);
    Identity identity = restricted(Set.of("compute"), new AccessRule("compute", "GET", rulePath));
    assertNotNull(rules.refusal(identity, "GET", "/v2.1/servers/1", false));
    identity = null;
    rulePath = null;

    // Once the token's identity is gone, nothing may hold on to its rules: a map from rule to
    // compiled pattern, as before, grows with every rule any token ever carried.
    for (int i = 0; i < 100 && seen.get() != null; i++) {
      System.gc();
    }
    assertNull(seen.get(), "the access rules keep a reference to a rule they checked");
  }

  @Test
  void refusalWhenNoAccessRulesThenAllowedEvenWithoutServiceType() {
    Identity plain = Identities.user("u").expiresAt(Instant.parse("2030-01-01T00:00:00Z")).build();

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
        Identities.user("u")
            .expiresAt(Instant.parse("2030-01-01T00:00:00Z"))
            .accessRules(new AccessRule("compute", "GET", "/**"))
            .build();

    String refusal = new AccessRules("compute").refusal(identity, "GET", "/x", false);

    assertNotNull(refusal);
    assertEquals(true, refusal.contains("include_service_catalog"));
  }
}
