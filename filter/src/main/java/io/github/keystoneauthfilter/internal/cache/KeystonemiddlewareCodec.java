package io.github.keystoneauthfilter.internal.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.internal.keystone.TokenResponseParser;
import java.io.IOException;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * keystonemiddleware's shared-cache entry, opened (or before it is sealed): the JSON of Keystone's
 * validation answer, {@code {"token": {...}}}, which keystonemiddleware's {@code auth_token} writes
 * to memcached after each validation and reads back instead of asking Keystone.
 *
 * <ul>
 *   <li>An entry is read with the same {@link TokenResponseParser} (and so the same checks) as an
 *       answer from Keystone; one that does not parse is {@link Unusable}.
 *   <li>An entry this filter writes is Keystone's answer with one field added inside {@code token}:
 *       {@value #USABLE_UNTIL}, the time until which it may be used (Keystone's answer + {@code
 *       token_cache_time}, never past the token's expiry). keystonemiddleware ignores it; this
 *       filter refuses the entry after that time. An entry keystonemiddleware wrote has none: it is
 *       {@link Found} with no such time, and nothing may keep it (memcached drops it at
 *       keystonemiddleware's {@code token_cache_time}, which this filter cannot see).
 *   <li>The JSON string {@code "invalid"} (older keystonemiddleware releases cached it for a token
 *       Keystone refused) is {@link InvalidMarker}: the token is refused.
 *   <li>With {@code include_service_catalog}, an entry without {@code token.catalog} (written by a
 *       service that asks for none) is {@link NoCatalog}: a miss, so that Keystone is asked for the
 *       catalog, not an identity served without one.
 * </ul>
 */
final class KeystonemiddlewareCodec {
  /** The field this filter adds inside {@code token}. */
  static final String USABLE_UNTIL = "keystoneauthfilter_usable_until";

  private static final String INVALID_MARKER = "invalid";

  private final ObjectMapper mapper;
  private final ObjectReader reader;
  private final TokenResponseParser parser;
  private final boolean includeCatalog;

  KeystonemiddlewareCodec(ObjectMapper mapper, boolean includeCatalog) {
    this.mapper = mapper;
    this.reader = TokenResponseParser.strictReader(mapper);
    this.parser = new TokenResponseParser(mapper, includeCatalog);
    this.includeCatalog = includeCatalog;
  }

  /** What an opened entry holds. */
  sealed interface Decoded permits Found, InvalidMarker, NoCatalog, Unusable {}

  /**
   * A valid identity.
   *
   * @param identity what the entry says, checked as a Keystone answer is
   * @param usableUntil the time this filter sealed into the entry; null in an entry
   *     keystonemiddleware wrote
   */
  record Found(Identity identity, @Nullable Instant usableUntil) implements Decoded {}

  /** keystonemiddleware's marker of a token Keystone refused. */
  record InvalidMarker() implements Decoded {}

  /** An entry without the catalog this filter must give. */
  record NoCatalog() implements Decoded {}

  /**
   * Neither a token body this filter accepts nor the marker.
   *
   * @param reason what is wrong, for a log line: never a value from the entry
   */
  record Unusable(String reason) implements Decoded {}

  /**
   * The entry for Keystone's answer {@code body}, which was parsed into a valid identity already:
   * the same JSON with {@value #USABLE_UNTIL} inside {@code token}.
   *
   * @throws IllegalArgumentException if {@code body} is not a JSON object with a {@code token}
   *     object (it parsed into an identity, so it always is)
   */
  byte[] encode(byte[] body, Instant usableUntil) {
    try {
      JsonNode root = mapper.readTree(body);
      if (root == null || !(root.get("token") instanceof ObjectNode token)) {
        throw new IllegalArgumentException("Keystone's answer has no \"token\" object");
      }
      token.put(USABLE_UNTIL, usableUntil.toString());
      return mapper.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalArgumentException("Keystone's answer is not JSON", e);
    }
  }

  /** What the opened entry {@code plain} holds; never throws. */
  Decoded decode(byte[] plain) {
    JsonNode root;
    try {
      root = reader.readTree(plain);
    } catch (IOException | RuntimeException e) {
      return new Unusable("not JSON");
    }
    if (root == null) {
      return new Unusable("empty");
    }
    if (root.isTextual() && INVALID_MARKER.equals(root.textValue())) {
      return new InvalidMarker();
    }
    JsonNode token = root.get("token");
    if (!root.isObject() || token == null || !token.isObject()) {
      return new Unusable("no \"token\" object");
    }
    Instant usableUntil = null;
    JsonNode until = token.get(USABLE_UNTIL);
    if (until != null) {
      if (!until.isTextual()) {
        return new Unusable(USABLE_UNTIL + " is not a string");
      }
      try {
        usableUntil = Instant.parse(until.textValue());
      } catch (RuntimeException notATime) {
        return new Unusable(USABLE_UNTIL + " is not a time");
      }
    }
    if (includeCatalog && !token.has("catalog")) {
      return new NoCatalog();
    }
    try {
      return new Found(parser.parse(plain), usableUntil);
    } catch (TokenResponseParser.TokenParseException e) {
      return new Unusable(e.getMessage() == null ? "unusable" : e.getMessage());
    } catch (RuntimeException e) {
      return new Unusable(e.getClass().getSimpleName());
    }
  }
}
