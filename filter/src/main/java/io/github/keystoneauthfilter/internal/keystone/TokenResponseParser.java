package io.github.keystoneauthfilter.internal.keystone;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.github.keystoneauthfilter.AccessRule;
import io.github.keystoneauthfilter.Identity;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Turns a Keystone v3 token body ({@code {"token": {...}}}) into an {@link Identity}.
 *
 * <p>Strict where a mistake would forge or mislabel an identity: {@code user.id} and {@code
 * expires_at} are required; every field it reads must have Keystone's JSON type (a string, an
 * object, a list, a boolean), never coerced; every identity value must be a string without control
 * characters (C0, DEL, C1) or Unicode line/paragraph separators, since they become header values;
 * roles must be named; the body must be one JSON document without repeated keys. Any other Unicode
 * (UTF-8 user or project names) is kept exactly. Tolerant of fields it does not use. A body it
 * cannot use is a {@link TokenParseException}: the endpoint is misbehaving, never a valid token.
 *
 * <p>The shared cache parses keystonemiddleware's entries (which hold Keystone's answer) with it
 * too, so that what comes from memcached passes the same checks as what comes from Keystone.
 */
public final class TokenResponseParser {
  private final ObjectMapper mapper;
  private final ObjectReader reader;
  private final boolean includeCatalog;

  /**
   * Creates a parser.
   *
   * @param mapper the JSON mapper
   * @param includeCatalog whether identities carry the service catalog (else it is ignored)
   */
  public TokenResponseParser(ObjectMapper mapper, boolean includeCatalog) {
    this.mapper = mapper;
    this.reader = strictReader(mapper);
    this.includeCatalog = includeCatalog;
  }

  /**
   * A reader of {@code mapper} that accepts one document with each key once: a second value for a
   * key (or a second document) would leave which one counts to the parser's whim.
   */
  public static ObjectReader strictReader(ObjectMapper mapper) {
    return mapper
        .reader()
        .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
  }

  /**
   * A made-up validation answer shaped like Keystone's (project scope, two roles, a catalog of one
   * service in two regions, an expiry in Keystone's format); no real identifier.
   */
  private static final String CANNED_ANSWER =
      """
      {"token": {"methods": ["password"],
        "user": {"domain": {"id": "default", "name": "Default"}, "id": "warm-up-user",
          "name": "warm-up", "password_expires_at": null},
        "audit_ids": ["warm-up"], "expires_at": "2030-01-01T00:00:00.000000Z",
        "issued_at": "2029-12-31T23:00:00.000000Z",
        "project": {"domain": {"id": "default", "name": "Default"}, "id": "warm-up-project",
          "name": "warm-up"},
        "is_domain": false,
        "roles": [{"id": "r1", "name": "member"}, {"id": "r2", "name": "reader"}],
        "is_admin_project": false,
        "catalog": [{"endpoints": [
          {"id": "e1", "interface": "public", "region_id": "RegionOne",
            "url": "http://keystone.invalid:5000/v3/", "region": "RegionOne"},
          {"id": "e2", "interface": "internal", "region_id": "RegionOne",
            "url": "http://keystone.invalid:5000/v3/", "region": "RegionOne"},
          {"id": "e3", "interface": "public", "region_id": "RegionTwo",
            "url": "http://keystone.invalid:5001/v3/", "region": "RegionTwo"}],
          "id": "s1", "type": "identity", "name": "keystone"}]}}
      """;

  /**
   * Parses a canned answer (catalog included) {@code times} times, so that the first miss does not
   * pay the JSON path's class loading and first-use set-up (Jackson's readers and writers, the
   * catalog layout). For the start-up thread; nothing is kept.
   *
   * @return the identity parsed last, for tests
   * @throws IllegalStateException if the canned answer does not parse (a bug)
   */
  static Identity warmUp(ObjectMapper mapper, int times) {
    TokenResponseParser parser = new TokenResponseParser(mapper, true);
    byte[] body = CANNED_ANSWER.getBytes(StandardCharsets.UTF_8);
    Identity last = null;
    try {
      for (int i = 0; i < times; i++) {
        last = parser.parse(body);
        parser.expiresAt(body);
      }
    } catch (TokenParseException e) {
      throw new IllegalStateException("the canned warm-up answer did not parse", e);
    }
    if (last == null) {
      throw new IllegalArgumentException("times must be at least 1 but was " + times);
    }
    return last;
  }

  /**
   * Parses a validation (or login) response body.
   *
   * @throws TokenParseException if the body is not one a valid token has
   */
  public Identity parse(byte[] body) throws TokenParseException {
    JsonNode root;
    try {
      root = reader.readTree(body);
    } catch (IOException e) {
      throw new TokenParseException("body is not JSON");
    }
    if (root == null || !root.path("token").isObject()) {
      throw new TokenParseException("body has no \"token\" object");
    }
    JsonNode token = root.get("token");
    JsonNode user = object(token, "user", "token.user");
    String userId = shared(required(user, "id", "token.user.id"));
    Instant expiresAt = parseInstant(required(token, "expires_at", "token.expires_at"));

    JsonNode userDomain = object(user, "domain", "token.user.domain");
    return new Identity(
        new Identity.User(
            userId,
            sharedOrNull(optional(user, "name", "token.user.name")),
            sharedOrNull(optional(userDomain, "id", "token.user.domain.id")),
            sharedOrNull(optional(userDomain, "name", "token.user.domain.name"))),
        scope(token),
        roles(token.path("roles")),
        adminProject(token.path("is_admin_project")),
        expiresAt,
        includeCatalog ? catalogV2(token.get("catalog")) : null,
        includeCatalog ? serviceTypes(token.get("catalog")) : null,
        accessRules(object(token, "application_credential", "token.application_credential")));
  }

  /**
   * The one scope of the token: {@code token.project}, {@code token.domain}, {@code
   * token.system.all} true, or none of them (unscoped).
   *
   * @throws TokenParseException when the token has more than one, or a project or domain without an
   *     id
   */
  private static Identity.Scope scope(JsonNode token) throws TokenParseException {
    JsonNode project = object(token, "project", "token.project");
    JsonNode domain = object(token, "domain", "token.domain");
    boolean systemAll = system(object(token, "system", "token.system"));
    int scopes = (project.isMissingNode() ? 0 : 1) + (domain.isMissingNode() ? 0 : 1);
    if (scopes + (systemAll ? 1 : 0) > 1) {
      throw new TokenParseException(
          "token has more than one scope among token.project, token.domain and token.system.all");
    }
    if (!project.isMissingNode()) {
      JsonNode projectDomain = object(project, "domain", "token.project.domain");
      return new Identity.Project(
          shared(present(optional(project, "id", "token.project.id"), "token.project.id")),
          sharedOrNull(optional(project, "name", "token.project.name")),
          sharedOrNull(optional(projectDomain, "id", "token.project.domain.id")),
          sharedOrNull(optional(projectDomain, "name", "token.project.domain.name")));
    }
    if (!domain.isMissingNode()) {
      return new Identity.Domain(
          shared(present(optional(domain, "id", "token.domain.id"), "token.domain.id")),
          sharedOrNull(optional(domain, "name", "token.domain.name")));
    }
    return systemAll ? new Identity.SystemAll() : new Identity.Unscoped();
  }

  private static String present(@Nullable String value, String path) throws TokenParseException {
    if (value == null) {
      throw new TokenParseException(path + " is missing");
    }
    return value;
  }

  /**
   * {@code parent.field} when it is an object; a missing node when absent or null.
   *
   * @throws TokenParseException when it is anything else
   */
  private static JsonNode object(JsonNode parent, String field, String path)
      throws TokenParseException {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      return MissingNode.getInstance();
    }
    if (!node.isObject()) {
      throw new TokenParseException(path + " is not an object");
    }
    return node;
  }

  /** {@code system.all}: a boolean, false when absent. */
  private static boolean system(JsonNode system) throws TokenParseException {
    JsonNode all = system.path("all");
    if (all.isMissingNode() || all.isNull()) {
      return false;
    }
    if (!all.isBoolean()) {
      throw new TokenParseException("token.system.all is not a boolean");
    }
    return all.booleanValue();
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
    if (rules == null || rules.isNull()) {
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
          required(reader.readTree(body).path("token"), "expires_at", "token.expires_at"));
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
      names.add(shared(required(role, "name", "token.roles[].name")));
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

  /**
   * keystonemiddleware's v2 layout: endpoints of a service grouped by region. Written straight to
   * JSON with a generator (no intermediate tree): this runs on every miss with the catalog on.
   */
  private @Nullable String catalogV2(@Nullable JsonNode catalog) throws TokenParseException {
    if (catalog == null || catalog.isNull()) {
      return null;
    }
    if (!catalog.isArray()) {
      throw new TokenParseException("token.catalog is not a list");
    }
    StringWriter out = new StringWriter(256);
    try (JsonGenerator json = mapper.getFactory().createGenerator(out)) {
      json.writeStartArray();
      for (JsonNode service : catalog) {
        if (!service.isObject()) {
          throw new TokenParseException("token.catalog[] is not an object");
        }
        String type = required(service, "type", "token.catalog[].type");
        String name = optional(service, "name", "token.catalog[].name");
        Map<String, Map<String, String>> byRegion = regions(service.path("endpoints"));
        json.writeStartObject();
        json.writeStringField("type", type);
        if (name != null) {
          json.writeStringField("name", name);
        }
        json.writeArrayFieldStart("endpoints");
        for (Map<String, String> group : byRegion.values()) {
          json.writeStartObject();
          for (Map.Entry<String, String> field : group.entrySet()) {
            json.writeStringField(field.getKey(), field.getValue());
          }
          json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
      }
      json.writeEndArray();
    } catch (IOException e) {
      throw new TokenParseException("catalog could not be written as JSON");
    }
    return out.toString();
  }

  /**
   * One service's endpoints grouped by region, in order of first appearance: per region its name
   * (unless empty) and one {@code <interface>URL} per interface, a repeated interface keeping its
   * place and taking the later URL.
   */
  private static Map<String, Map<String, String>> regions(JsonNode endpoints)
      throws TokenParseException {
    if (!endpoints.isMissingNode() && !endpoints.isNull() && !endpoints.isArray()) {
      throw new TokenParseException("token.catalog[].endpoints is not a list");
    }
    Map<String, Map<String, String>> byRegion = new LinkedHashMap<>();
    for (JsonNode endpoint : endpoints) {
      if (!endpoint.isObject()) {
        throw new TokenParseException("token.catalog[].endpoints[] is not an object");
      }
      String region = optional(endpoint, "region", "token.catalog[].endpoints[].region");
      String key = region == null ? "" : region;
      Map<String, String> group = byRegion.get(key);
      if (group == null) {
        group = new LinkedHashMap<>();
        if (region != null && !region.isEmpty()) {
          group.put("region", region);
        }
        byRegion.put(key, group);
      }
      String iface = required(endpoint, "interface", "token.catalog[].endpoints[].interface");
      group.put(
          iface.toLowerCase(Locale.ROOT) + "URL",
          required(endpoint, "url", "token.catalog[].endpoints[].url"));
    }
    return byRegion;
  }

  /**
   * One copy of each id, name and role name across every cached identity: many tokens of one user
   * or project, and every token's domain and roles, repeat the same few strings, which a fleet's
   * cache would otherwise hold once per token (benchmarks/notes/fleet.md). {@link String#intern}
   * keeps them in the JVM's string table, whose entries go when no identity holds them any more.
   * Only values of a valid token's answer from Keystone get here, never a client's input.
   */
  private static String shared(String value) {
    return value.intern();
  }

  private static @Nullable String sharedOrNull(@Nullable String value) {
    return value == null ? null : value.intern();
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
      if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        throw new TokenParseException(path + " contains a control character");
      }
    }
    return value;
  }

  private static Instant parseInstant(String text) throws TokenParseException {
    Instant utc = keystoneUtc(text);
    if (utc != null) {
      return utc;
    }
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw new TokenParseException("token.expires_at is not an ISO-8601 date-time");
    }
  }

  /**
   * The form Keystone writes, {@code yyyy-MM-ddTHH:mm:ss[.f…]Z} (UTC, up to nine fraction digits),
   * read without a {@link java.time.format.DateTimeFormatter} (which costs a miss several
   * microseconds); null for any other form or an impossible date or time, which {@link
   * OffsetDateTime#parse} then reads or rejects as before.
   */
  private static @Nullable Instant keystoneUtc(String text) {
    int length = text.length();
    if (length < 20
        || length == 21
        || length > 30
        || text.charAt(4) != '-'
        || text.charAt(7) != '-'
        || text.charAt(10) != 'T'
        || text.charAt(13) != ':'
        || text.charAt(16) != ':'
        || text.charAt(length - 1) != 'Z'
        || (length > 20 && text.charAt(19) != '.')) {
      return null;
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 7);
    int day = digits(text, 8, 10);
    int hour = digits(text, 11, 13);
    int minute = digits(text, 14, 16);
    int second = digits(text, 17, 19);
    int nanos = 0;
    if (length > 20) {
      int fraction = digits(text, 20, length - 1);
      if (fraction < 0) {
        return null;
      }
      nanos = fraction;
      for (int i = length - 1 - 20; i < 9; i++) {
        nanos *= 10;
      }
    }
    if ((year | month | day | hour | minute | second) < 0) {
      return null;
    }
    try {
      return LocalDateTime.of(year, month, day, hour, minute, second, nanos)
          .toInstant(ZoneOffset.UTC);
    } catch (DateTimeException e) {
      return null; // e.g. 2026-02-30 or 24:00:00: let the strict parser reject it
    }
  }

  /** The decimal number in {@code text[from, to)}, or -1 unless all of them are ASCII digits. */
  private static int digits(String text, int from, int to) {
    int value = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  /** A body that cannot be used. The message names the field, never a value. */
  public static final class TokenParseException extends Exception {
    private static final long serialVersionUID = 1L;

    TokenParseException(String message) {
      super(message);
    }
  }
}
