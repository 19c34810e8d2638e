package io.github.keystoneauthfilter.internal.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.keystoneauthfilter.AccessRule;
import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.testing.Identities;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class IdentityCodecTest {
  private final ObjectMapper mapper = new ObjectMapper();
  private final IdentityCodec codec = new IdentityCodec(mapper);

  static Identity full() {
    return Identities.user("u-1")
        .name("démo")
        .userDomain("d-1", "Default")
        .project("p-1", "demo", "d-1", "Default")
        .roles("member", "reader")
        .adminProject(false)
        .expiresAt(Instant.parse("2026-11-28T13:00:00.123456Z"))
        .catalog("[{\"type\":\"identity\"}]")
        .catalogServiceTypes(Set.of("identity", "compute"))
        .accessRules(new AccessRule("compute", "GET", "/v2.1/servers"))
        .build();
  }

  private static final Instant UNTIL = Instant.parse("2026-11-28T12:05:00.5Z");

  @Test
  void everyField_survivesTheRoundTrip() {
    Identity identity = full();
    assertEquals(
        new IdentityCodec.Entry(identity, UNTIL), codec.decode(codec.encode(identity, UNTIL)));
  }

  @Test
  void nullsAndSystemScope_surviveTheRoundTrip() {
    Identity system =
        Identities.user("u-2")
            .systemScope()
            .expiresAt(Instant.parse("2026-11-28T13:00:00Z"))
            .build();
    assertEquals(new IdentityCodec.Entry(system, UNTIL), codec.decode(codec.encode(system, UNTIL)));
  }

  @Test
  void notJsonOrAnotherVersion_isNoIdentity() throws Exception {
    assertNull(codec.decode("not json".getBytes(StandardCharsets.UTF_8)));
    assertNull(codec.decode("[]".getBytes(StandardCharsets.UTF_8)));
    assertNull(decodeAfter(root -> root.put("v", 3)));
  }

  @Test
  void aVersion1Entry_withoutTheTimeItMayBeUsedUntil_isNoIdentity() throws Exception {
    // What the previous format wrote: the same fields, version 1, no usable_until. Read as a
    // version 2 entry, it would be usable until the token expires.
    assertNull(
        decodeAfter(
            root -> {
              root.put("v", 1);
              root.remove("usable_until");
            }));
    assertNull(decodeAfter(root -> root.remove("usable_until")));
    assertNull(decodeAfter(root -> root.putNull("usable_until")));
    assertNull(decodeAfter(root -> root.put("usable_until", "soon")));
  }

  @Test
  void missingOrMistypedFields_areNoIdentity() throws Exception {
    assertNull(decodeAfter(root -> root.remove("user_id")));
    assertNull(decodeAfter(root -> root.putNull("user_id")));
    assertNull(decodeAfter(root -> root.put("user_id", 42)));
    assertNull(decodeAfter(root -> root.remove("project_name")));
    assertNull(decodeAfter(root -> root.put("roles", "member")));
    assertNull(decodeAfter(root -> root.putArray("roles").add(1)));
    assertNull(decodeAfter(root -> root.put("system", "false")));
    assertNull(decodeAfter(root -> root.put("expires_at", "tomorrow")));
    assertNull(decodeAfter(root -> root.remove("access_rules")));
    assertNull(decodeAfter(root -> root.putArray("access_rules").addObject().put("service", "x")));
  }

  @Test
  void moreThanOneScopeOrAScopeWithoutItsId_isNoIdentity() throws Exception {
    assertNull(decodeAfter(root -> root.put("domain_id", "d-2")));
    assertNull(decodeAfter(root -> root.put("system", true)));
    assertNull(decodeAfter(root -> root.putNull("project_id")));
  }

  @Test
  void controlCharactersInValues_areNoIdentity_evenUnsigned() throws Exception {
    assertNull(decodeAfter(root -> root.put("project_name", "demo\r\nX-Roles: admin")));
    assertNull(decodeAfter(root -> root.putArray("roles").add("admin\n")));
    assertNull(decodeAfter(root -> root.put("catalog", "[]\u0000")));
  }

  @Test
  void theUnchangedDocument_decodes() throws Exception {
    assertNotNull(decodeAfter(root -> {}));
  }

  private IdentityCodec.@Nullable Entry decodeAfter(Consumer<ObjectNode> change) throws Exception {
    ObjectNode root = (ObjectNode) mapper.readTree(codec.encode(full(), UNTIL));
    change.accept(root);
    return codec.decode(mapper.writeValueAsBytes(root));
  }
}
