package io.github.keystoneauthfilter.internal.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.keystoneauthfilter.AccessRule;
import io.github.keystoneauthfilter.Identity;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An {@link Identity}, and the time until which it may be used, as the JSON kept in the shared
 * cache. Decoding is strict: anything that is not exactly what {@link #encode} writes (a different
 * version, a missing or mistyped field, a control character in a value that becomes a header) is
 * refused, so a corrupt entry is a miss.
 *
 * <p>Version 2 added {@code usable_until}; a version 1 entry (which has none) is refused.
 */
final class IdentityCodec {
  private static final int VERSION = 2;
  private final ObjectMapper mapper;

  IdentityCodec(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /**
   * One shared-cache entry.
   *
   * @param identity what Keystone said
   * @param usableUntil the time after which the entry must not be used (Keystone's answer + {@code
   *     token_cache_time}, never past the token's expiry)
   */
  record Entry(Identity identity, Instant usableUntil) {}

  byte[] encode(Identity identity, Instant usableUntil) {
    ObjectNode root = mapper.createObjectNode();
    root.put("v", VERSION);
    root.put("usable_until", usableUntil.toString());
    root.put("user_id", identity.userId());
    root.put("user_name", identity.userName());
    root.put("user_domain_id", identity.userDomainId());
    root.put("user_domain_name", identity.userDomainName());
    root.put("project_id", identity.projectId());
    root.put("project_name", identity.projectName());
    root.put("project_domain_id", identity.projectDomainId());
    root.put("project_domain_name", identity.projectDomainName());
    root.put("domain_id", identity.domainId());
    root.put("domain_name", identity.domainName());
    root.put("system", identity.systemScope());
    ArrayNode roles = root.putArray("roles");
    identity.roles().forEach(roles::add);
    root.put("admin_project", identity.adminProject());
    root.put("expires_at", identity.expiresAt().toString());
    root.put("catalog", identity.catalogV2Json());
    Set<String> types = identity.catalogServiceTypes();
    if (types == null) {
      root.putNull("service_types");
    } else {
      ArrayNode list = root.putArray("service_types");
      types.stream().sorted().forEach(list::add);
    }
    List<AccessRule> rules = identity.accessRules();
    if (rules == null) {
      root.putNull("access_rules");
    } else {
      ArrayNode list = root.putArray("access_rules");
      for (AccessRule rule : rules) {
        list.addObject()
            .put("service", rule.service())
            .put("method", rule.method())
            .put("path", rule.path());
      }
    }
    try {
      return mapper.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write an identity as JSON", e);
    }
  }

  /** The entry, or null when {@code json} is not a well-formed entry of this version. */
  @Nullable Entry decode(byte[] json) {
    try {
      JsonNode root = mapper.readTree(json);
      if (root == null || !root.isObject() || root.path("v").asInt(-1) != VERSION) {
        return null;
      }
      JsonNode system = root.get("system");
      JsonNode admin = root.get("admin_project");
      if (system == null || !system.isBoolean() || admin == null || !admin.isBoolean()) {
        return null;
      }
      Instant usableUntil = Instant.parse(required(root, "usable_until"));
      Identity identity =
          new Identity(
              new Identity.User(
                  required(root, "user_id"),
                  optional(root, "user_name"),
                  optional(root, "user_domain_id"),
                  optional(root, "user_domain_name")),
              scope(root, system.booleanValue()),
              strings(root.get("roles")),
              admin.booleanValue(),
              Instant.parse(required(root, "expires_at")),
              optional(root, "catalog"), // JSON in a header: the same rule
              nullableSet(root.get("service_types")),
              rules(root.get("access_rules")));
      return new Entry(identity, usableUntil);
    } catch (IOException | Malformed | RuntimeException e) {
      return null; // a bad date, say: whatever it is, the entry is not used
    }
  }

  /**
   * The scope the entry's fields describe; {@link Malformed} unless exactly one of project, domain
   * and system (or none) is there, with the names of another scope absent too.
   */
  private static Identity.Scope scope(JsonNode root, boolean system) throws Malformed {
    String projectId = optional(root, "project_id");
    String projectName = optional(root, "project_name");
    String projectDomainId = optional(root, "project_domain_id");
    String projectDomainName = optional(root, "project_domain_name");
    String domainId = optional(root, "domain_id");
    String domainName = optional(root, "domain_name");
    boolean projectPart =
        projectName != null || projectDomainId != null || projectDomainName != null;
    if (projectId != null && domainId == null && domainName == null && !system) {
      return new Identity.Project(projectId, projectName, projectDomainId, projectDomainName);
    }
    if (projectId != null || projectPart) {
      throw new Malformed();
    }
    if (domainId != null && !system) {
      return new Identity.Domain(domainId, domainName);
    }
    if (domainId != null || domainName != null) {
      throw new Malformed();
    }
    return system ? new Identity.SystemAll() : new Identity.Unscoped();
  }

  private static String required(JsonNode root, String field) throws Malformed {
    String value = optional(root, field);
    if (value == null) {
      throw new Malformed();
    }
    return value;
  }

  private static @Nullable String optional(JsonNode root, String field) throws Malformed {
    JsonNode node = root.get(field);
    if (node == null) {
      throw new Malformed(); // every field is always written
    }
    if (node.isNull()) {
      return null;
    }
    if (!node.isTextual() || !headerSafe(node.textValue())) {
      throw new Malformed();
    }
    return node.textValue();
  }

  private static List<String> strings(@Nullable JsonNode node) throws Malformed {
    if (node == null || !node.isArray()) {
      throw new Malformed();
    }
    List<String> values = new ArrayList<>(node.size());
    for (JsonNode item : node) {
      if (!item.isTextual() || !headerSafe(item.textValue())) {
        throw new Malformed();
      }
      values.add(item.textValue());
    }
    return values;
  }

  private static @Nullable Set<String> nullableSet(@Nullable JsonNode node) throws Malformed {
    if (node == null) {
      throw new Malformed();
    }
    return node.isNull() ? null : new HashSet<>(strings(node));
  }

  private static @Nullable List<AccessRule> rules(@Nullable JsonNode node) throws Malformed {
    if (node == null) {
      throw new Malformed();
    }
    if (node.isNull()) {
      return null;
    }
    if (!node.isArray()) {
      throw new Malformed();
    }
    List<AccessRule> rules = new ArrayList<>(node.size());
    for (JsonNode rule : node) {
      if (!rule.isObject()) {
        throw new Malformed();
      }
      try {
        rules.add(
            new AccessRule(
                required(rule, "service"), required(rule, "method"), required(rule, "path")));
      } catch (RuntimeException invalid) {
        throw new Malformed();
      }
    }
    return rules;
  }

  /** No control characters: the value becomes (part of) an HTTP header. */
  private static boolean headerSafe(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** A field is missing or of the wrong type. */
  private static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed() {
      super(null, null, false, false);
    }
  }
}
