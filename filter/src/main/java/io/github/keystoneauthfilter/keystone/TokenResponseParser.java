package io.github.keystoneauthfilter.keystone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.keystoneauthfilter.token.AccessRule;
import io.github.keystoneauthfilter.token.Identity;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Turns a Keystone v3 token body ({@code {"token": {...}}}) into an {@link Identity}.
 *
 * <p>Strict where a mistake would forge or mislabel an identity: {@code user.id} and {@code
 * expires_at} are required, every identity value must be a JSON string without control characters
 * (they become header values), roles must be named. Tolerant of fields it does not use. A body it
 * cannot use is a {@link TokenParseException}: the endpoint is misbehaving, never a valid token.
 */
final class TokenResponseParser {
  private final ObjectMapper mapper;
  private final boolean includeCatalog;

  TokenResponseParser(ObjectMapper mapper, boolean includeCatalog) {
    this.mapper = mapper;
    this.includeCatalog = includeCatalog;
  }

  /** Parses a validation (or login) response body. */
  Identity parse(byte[] body) throws TokenParseException {
    JsonNode root;
    try {
      root = mapper.readTree(body);
    } catch (IOException e) {
      throw new TokenParseException("body is not JSON");
    }
    if (root == null || !root.path("token").isObject()) {
      throw new TokenParseException("body has no \"token\" object");
    }
    JsonNode token = root.get("token");
    JsonNode user = token.path("user");
    String userId = required(user, "id", "token.user.id");
    Instant expiresAt = parseInstant(required(token, "expires_at", "token.expires_at"));

    JsonNode project = token.path("project");
    JsonNode domain = token.path("domain");
    boolean system = token.path("system").path("all").asBoolean(false);
    return new Identity(
        userId,
        optional(user, "name", "token.user.name"),
        optional(user.path("domain"), "id", "token.user.domain.id"),
        optional(user.path("domain"), "name", "token.user.domain.name"),
        optional(project, "id", "token.project.id"),
        optional(project, "name", "token.project.name"),
        optional(project.path("domain"), "id", "token.project.domain.id"),
        optional(project.path("domain"), "name", "token.project.domain.name"),
        optional(domain, "id", "token.domain.id"),
        optional(domain, "name", "token.domain.name"),
        system,
        roles(token.path("roles")),
        adminProject(token.path("is_admin_project")),
        expiresAt,
        includeCatalog ? catalogV2(token.get("catalog")) : null,
        includeCatalog ? serviceTypes(token.get("catalog")) : null,
        accessRules(token.path("application_credential")));
  }

  private static @Nullable Set<String> serviceTypes(@Nullable JsonNode catalog)
      throws TokenParseException {
    Set<String> types = new HashSet<>();
    if (catalog != null && catalog.isArray()) {
      for (JsonNode service : catalog) {
        types.add(required(service, "type", "token.catalog[].type"));
      }
    }
    return types;
  }

  /** keystonemiddleware §3.7: no credential, or no (or null) access_rules, means unrestricted. */
  private static @Nullable List<AccessRule> accessRules(JsonNode credential)
      throws TokenParseException {
    JsonNode rules = credential.get("access_rules");
    if (!credential.isObject() || rules == null || rules.isNull()) {
      return null;
    }
    if (!rules.isArray()) {
      throw new TokenParseException("token.application_credential.access_rules is not a list");
    }
    List<AccessRule> parsed = new ArrayList<>(rules.size());
    for (JsonNode rule : rules) {
      String path = "token.application_credential.access_rules[]";
      parsed.add(
          new AccessRule(
              required(rule, "service", path + ".service"),
              required(rule, "method", path + ".method"),
              required(rule, "path", path + ".path")));
    }
    return parsed;
  }

  /** Reads only {@code token.expires_at}, for the service token's own login response. */
  Instant expiresAt(byte[] body) throws TokenParseException {
    try {
      return parseInstant(
          required(mapper.readTree(body).path("token"), "expires_at", "token.expires_at"));
    } catch (IOException e) {
      throw new TokenParseException("body is not JSON");
    }
  }

  private static List<String> roles(JsonNode roles) throws TokenParseException {
    if (roles.isMissingNode() || roles.isNull()) {
      return List.of();
    }
    if (!roles.isArray()) {
      throw new TokenParseException("token.roles is not a list");
    }
    List<String> names = new ArrayList<>(roles.size());
    for (JsonNode role : roles) {
      names.add(required(role, "name", "token.roles[].name"));
    }
    return names;
  }

  private static boolean adminProject(JsonNode node) throws TokenParseException {
    if (node.isMissingNode() || node.isNull()) {
      return true; // keystonemiddleware's default
    }
    if (!node.isBoolean()) {
      throw new TokenParseException("token.is_admin_project is not a boolean");
    }
    return node.booleanValue();
  }

  /** keystonemiddleware's v2 layout: endpoints of a service grouped by region. */
  private @Nullable String catalogV2(@Nullable JsonNode catalog) throws TokenParseException {
    if (catalog == null || catalog.isNull()) {
      return null;
    }
    if (!catalog.isArray()) {
      throw new TokenParseException("token.catalog is not a list");
    }
    ArrayNode services = JsonNodeFactory.instance.arrayNode();
    for (JsonNode service : catalog) {
      ObjectNode v2 = services.addObject();
      v2.put("type", required(service, "type", "token.catalog[].type"));
      String name = optional(service, "name", "token.catalog[].name");
      if (name != null) {
        v2.put("name", name);
      }
      Map<String, ObjectNode> byRegion = new LinkedHashMap<>();
      for (JsonNode endpoint : service.path("endpoints")) {
        String region = optional(endpoint, "region", "token.catalog[].endpoints[].region");
        String key = region == null ? "" : region;
        ObjectNode group = byRegion.get(key);
        if (group == null) {
          group = JsonNodeFactory.instance.objectNode();
          if (region != null && !region.isEmpty()) {
            group.put("region", region);
          }
          byRegion.put(key, group);
        }
        String iface = required(endpoint, "interface", "token.catalog[].endpoints[].interface");
        group.put(
            iface.toLowerCase(java.util.Locale.ROOT) + "URL",
            required(endpoint, "url", "token.catalog[].endpoints[].url"));
      }
      v2.putArray("endpoints").addAll(byRegion.values());
    }
    try {
      return mapper.writeValueAsString(services);
    } catch (IOException e) {
      throw new TokenParseException("catalog could not be written as JSON");
    }
  }

  private static String required(JsonNode parent, String field, String path)
      throws TokenParseException {
    String value = optional(parent, field, path);
    if (value == null || value.isEmpty()) {
      throw new TokenParseException(path + " is missing");
    }
    return value;
  }

  private static @Nullable String optional(JsonNode parent, String field, String path)
      throws TokenParseException {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new TokenParseException(path + " is not a string");
    }
    String value = node.textValue();
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new TokenParseException(path + " contains a control character");
      }
    }
    return value;
  }

  private static Instant parseInstant(String text) throws TokenParseException {
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw new TokenParseException("token.expires_at is not an ISO-8601 date-time");
    }
  }

  /** A body that cannot be used. The message names the field, never a value. */
  static final class TokenParseException extends Exception {
    private static final long serialVersionUID = 1L;

    TokenParseException(String message) {
      super(message);
    }
  }
}
