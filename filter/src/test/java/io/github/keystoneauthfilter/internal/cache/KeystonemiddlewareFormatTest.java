package io.github.keystoneauthfilter.internal.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.internal.cache.SharedTokenCacheTest.CountingKeystone;
import io.github.keystoneauthfilter.internal.cache.SharedTokenCacheTest.MapStore;
import io.github.keystoneauthfilter.internal.keystone.TokenResponseParser;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.testing.MutableClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * keystonemiddleware's entries, against vectors made by keystonemiddleware's own functions
 * (src/test/resources/keystonemiddleware-cache/make_vectors.py, run with Debian's
 * python3-keystonemiddleware 10.1): the same memcached key, the same protected bytes, and entries
 * it wrote read as it would read them, by the same parser as Keystone's answers.
 */
class KeystonemiddlewareFormatTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNode VECTORS = load();
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
  private static final Duration TTL = Duration.ofSeconds(300);

  private final MutableClock clock = new MutableClock(NOW);
  private final MapStore store = new MapStore();

  private static JsonNode load() {
    try (InputStream in =
        KeystonemiddlewareFormatTest.class.getResourceAsStream(
            "/keystonemiddleware-cache/vectors.json")) {
      return MAPPER.readTree(Objects.requireNonNull(in, "vectors.json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<JsonNode> vectors(String group) {
    List<JsonNode> list = new ArrayList<>();
    VECTORS.get(group).forEach(list::add);
    return list;
  }

  static Stream<JsonNode> keys() {
    return vectors("keys").stream();
  }

  static Stream<JsonNode> protectedValues() {
    return vectors("protected").stream();
  }

  static Stream<JsonNode> entries() {
    return vectors("entries").stream();
  }

  private static EntryProtection protection(JsonNode vector) {
    return protection(vector.get("strategy").asText(), vector.get("secret").asText());
  }

  private static EntryProtection protection(String strategy, String secret) {
    return strategy.equals("None")
        ? EntryProtection.none()
        : EntryProtection.of(EntryProtection.Mode.valueOf(strategy), secret);
  }

  private static EntryProtection.Keys kmwKeys(EntryProtection protection, String token) {
    AuthToken auth = AuthToken.of(token);
    return protection.keystonemiddlewareKeys(auth.value(), auth.hash());
  }

  @ParameterizedTest
  @MethodSource("keys")
  void keyAndDerivedKeys_areKeystonemiddlewares(JsonNode vector) {
    EntryProtection.Keys keys = kmwKeys(protection(vector), vector.get("token").asText());

    assertEquals(vector.get("key").asText(), keys.name());
    if (!vector.get("strategy").asText().equals("None")) {
      assertEquals(
          vector.get("mac_key_hex").asText(),
          HexFormat.of().formatHex(Objects.requireNonNull(keys.macKey())));
      assertEquals(
          vector.get("aes_key_hex").asText(),
          HexFormat.of().formatHex(Objects.requireNonNull(keys.aesKey())));
    }
  }

  @ParameterizedTest
  @MethodSource("protectedValues")
  void seal_givesKeystonemiddlewaresBytes_andOpenReadsThem(JsonNode vector) {
    byte[] iv = HexFormat.of().parseHex(vector.get("iv_hex").asText());
    EntryProtection protection =
        EntryProtection.of(
            EntryProtection.Mode.valueOf(vector.get("strategy").asText()),
            vector.get("secret").asText(),
            new FixedRandom(iv));
    EntryProtection.Keys keys = kmwKeys(protection, vector.get("token").asText());
    byte[] plain = vector.get("plain").asText().getBytes(StandardCharsets.UTF_8);
    byte[] stored = vector.get("stored").asText().getBytes(StandardCharsets.US_ASCII);

    assertArrayEquals(stored, protection.seal(keys, plain));
    assertArrayEquals(plain, protection.open(keys, stored));
    stored[stored.length - 5] ^= 1;
    assertNull(protection.open(keys, stored), "a changed byte fails the MAC");
  }

  /**
   * The cache in keystonemiddleware's format over {@link #store}, with Keystone {@code keystone}.
   */
  private SharedTokenCache cache(
      CountingKeystone keystone, EntryProtection protection, boolean includeCatalog) {
    return new SharedTokenCache(
        keystone, store, protection, TTL, includeCatalog, MAPPER, clock, true);
  }

  private static CountingKeystone keystoneThatMustNotBeAsked() {
    return new CountingKeystone(
        t -> {
          throw new AssertionError("Keystone was asked");
        });
  }

  private static Identity parsed(byte[] body) throws Exception {
    return new TokenResponseParser(MAPPER, false).parse(body);
  }

  private static byte[] body() throws IOException {
    return MAPPER.writeValueAsBytes(VECTORS.get("body"));
  }

  @ParameterizedTest
  @MethodSource("entries")
  void anEntryKeystonemiddlewareWrote_isServed_withoutKeystone_andKeptByNoCache(JsonNode vector) {
    store.values.put(
        vector.get("key").asText(), vector.get("stored").asText().getBytes(StandardCharsets.UTF_8));
    CountingKeystone keystone = keystoneThatMustNotBeAsked();
    SharedTokenCache cache = cache(keystone, protection(vector), false);

    TokenValidation answer = cache.validate(AuthToken.of(vector.get("token").asText()));

    TokenValidation.Valid valid = assertInstanceOf(TokenValidation.Valid.class, answer);
    assertEquals("u-123", valid.identity().userId());
    assertEquals(List.of("member", "reader"), valid.identity().roles());
    assertEquals("demo-project", valid.identity().projectName());
    assertEquals(NOW, valid.usableUntil(), "its age is unknown: no cache may keep it");
    assertEquals(1, cache.hits());
    assertEquals(0, keystone.calls.get());
  }

  @Test
  void anEntryKeystonemiddlewareWrote_isReadFromMemcachedOnEveryRequest() {
    JsonNode vector = vectors("entries").get(1); // MAC
    store.values.put(
        vector.get("key").asText(), vector.get("stored").asText().getBytes(StandardCharsets.UTF_8));
    TokenCache inProcess =
        new TokenCache(
            cache(keystoneThatMustNotBeAsked(), protection(vector), false), TTL, 100, clock);
    AuthToken token = AuthToken.of(vector.get("token").asText());

    assertInstanceOf(TokenValidation.Valid.class, inProcess.validate(token));
    assertInstanceOf(TokenValidation.Valid.class, inProcess.validate(token));

    assertEquals(2, store.gets.get(), "the in-process cache kept none of it");
  }

  @ParameterizedTest
  @ValueSource(strings = {"None", "MAC", "ENCRYPT"})
  void whatThisFilterWrites_isKeystonesAnswer_underKeystonemiddlewaresKey_andServedLater(
      String strategy) throws Exception {
    JsonNode vector =
        vectors("entries").stream()
            .filter(v -> v.get("strategy").asText().equals(strategy))
            .findFirst()
            .orElseThrow();
    EntryProtection protection = protection(vector);
    String tokenText = vector.get("token").asText();
    byte[] body = body();
    CountingKeystone keystone =
        new CountingKeystone(
            t -> {
              try {
                return new TokenValidation.Valid(
                    parsed(body), null, new TokenValidation.KeystoneBody(body));
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            });

    TokenValidation answer = cache(keystone, protection, false).validate(AuthToken.of(tokenText));

    TokenValidation.Valid valid = assertInstanceOf(TokenValidation.Valid.class, answer);
    assertNull(valid.body(), "Keystone's answer is not handed on to the in-process cache");
    String key = vector.get("key").asText();
    assertEquals(List.of(key), List.copyOf(store.values.keySet()));
    assertEquals(300, store.ttls.get(key));
    EntryProtection.Keys keys = kmwKeys(protection, tokenText);
    JsonNode written = MAPPER.readTree(protection.open(keys, store.values.get(key)));
    ObjectNode expected = (ObjectNode) VECTORS.get("body").deepCopy();
    ((ObjectNode) expected.get("token"))
        .put(KeystonemiddlewareCodec.USABLE_UNTIL, NOW.plus(TTL).toString());
    assertEquals(expected, written);

    // Another instance serves it until the time sealed in it, and not after.
    CountingKeystone other = keystoneThatMustNotBeAsked();
    SharedTokenCache second = cache(other, protection, false);
    clock.advance(Duration.ofSeconds(299));
    TokenValidation.Valid served =
        assertInstanceOf(TokenValidation.Valid.class, second.validate(AuthToken.of(tokenText)));
    assertEquals(NOW.plus(TTL), served.usableUntil());
    clock.advance(Duration.ofSeconds(1));
    CountingKeystone third = new CountingKeystone(t -> new TokenValidation.Invalid("revoked"));
    assertInstanceOf(
        TokenValidation.Invalid.class,
        cache(third, protection, false).validate(AuthToken.of(tokenText)));
    assertEquals(1, third.calls.get(), "past its time the entry is refused: Keystone is asked");
  }

  @Test
  void keystonemiddlewaresInvalidMarker_refusesTheToken() {
    EntryProtection protection = protection("MAC", "secret");
    AuthToken token = AuthToken.of("gAAAAABmarked-invalid");
    EntryProtection.Keys keys = kmwKeys(protection, token.value());
    store.values.put(
        keys.name(), protection.seal(keys, "\"invalid\"".getBytes(StandardCharsets.UTF_8)));
    CountingKeystone keystone = keystoneThatMustNotBeAsked();

    TokenValidation answer = cache(keystone, protection, false).validate(token);

    assertInstanceOf(TokenValidation.Invalid.class, answer);
  }

  static Stream<String> unusableEntries() {
    return Stream.of(
        "not json",
        "[1, 2]",
        "{\"token\": 1}",
        "{\"token\": {\"expires_at\": \"2099-01-01T00:00:00Z\"}}", // no user
        "{\"token\": {\"user\": {\"id\": \"u\\u0000\"}, \"expires_at\": \"2099-01-01T00:00:00Z\"}}",
        "{\"token\": {\"user\": {\"id\": \"u\"}, \"expires_at\": \"2099-01-01T00:00:00Z\","
            + " \"keystoneauthfilter_usable_until\": 5}}",
        "{\"token\": {\"user\": {\"id\": \"u\"}, \"user\": {\"id\": \"v\"},"
            + " \"expires_at\": \"2099-01-01T00:00:00Z\"}}");
  }

  @ParameterizedTest
  @MethodSource("unusableEntries")
  void anEntryThatDoesNotParse_isACountedMiss_andKeystoneIsAsked(String plain) throws Exception {
    EntryProtection protection = protection("ENCRYPT", "secret");
    AuthToken token = AuthToken.of("gAAAAABgarbled");
    EntryProtection.Keys keys = kmwKeys(protection, token.value());
    store.values.put(keys.name(), protection.seal(keys, plain.getBytes(StandardCharsets.UTF_8)));
    byte[] body = body();
    CountingKeystone keystone =
        new CountingKeystone(t -> new TokenValidation.Valid(identityOf(body)));
    SharedTokenCache cache = cache(keystone, protection, false);

    TokenValidation answer = cache.validate(token);

    assertInstanceOf(TokenValidation.Valid.class, answer);
    assertEquals(1, keystone.calls.get());
    assertEquals(1, cache.rejected());
  }

  @Test
  void anEntryWithAnotherSecret_isACountedMiss() throws Exception {
    JsonNode vector = vectors("entries").get(2); // ENCRYPT, SECRETS[0]
    store.values.put(
        vector.get("key").asText(), vector.get("stored").asText().getBytes(StandardCharsets.UTF_8));
    // Same name needs the same secret: put it under the name the other secret gives.
    EntryProtection other = protection("ENCRYPT", "another shared secret");
    AuthToken token = AuthToken.of(vector.get("token").asText());
    store.values.put(
        kmwKeys(other, token.value()).name(),
        vector.get("stored").asText().getBytes(StandardCharsets.UTF_8));
    byte[] body = body();
    CountingKeystone keystone =
        new CountingKeystone(t -> new TokenValidation.Valid(identityOf(body)));
    SharedTokenCache cache = cache(keystone, other, false);

    assertInstanceOf(TokenValidation.Valid.class, cache.validate(token));
    assertEquals(1, keystone.calls.get());
    assertEquals(1, cache.rejected());
  }

  @Test
  void withTheCatalog_anEntryWithoutOne_isAMiss_notARejection() throws Exception {
    JsonNode vector = vectors("entries").get(1); // MAC, no catalog in the body
    store.values.put(
        vector.get("key").asText(), vector.get("stored").asText().getBytes(StandardCharsets.UTF_8));
    byte[] body = body();
    CountingKeystone keystone =
        new CountingKeystone(t -> new TokenValidation.Valid(identityOf(body)));
    SharedTokenCache cache = cache(keystone, protection(vector), true);

    cache.validate(AuthToken.of(vector.get("token").asText()));

    assertEquals(1, keystone.calls.get());
    assertEquals(0, cache.rejected());
  }

  @Test
  void anExpiredTokensEntry_isAMiss() throws Exception {
    EntryProtection protection = protection("MAC", "secret");
    AuthToken token = AuthToken.of("gAAAAABexpired");
    EntryProtection.Keys keys = kmwKeys(protection, token.value());
    ObjectNode expired = (ObjectNode) VECTORS.get("body").deepCopy();
    ((ObjectNode) expired.get("token")).put("expires_at", "2026-12-01T11:59:59Z");
    store.values.put(keys.name(), protection.seal(keys, MAPPER.writeValueAsBytes(expired)));
    CountingKeystone keystone = new CountingKeystone(t -> new TokenValidation.Invalid("expired"));

    TokenValidation answer = cache(keystone, protection, false).validate(token);

    assertInstanceOf(TokenValidation.Invalid.class, answer);
    assertEquals(1, keystone.calls.get());
  }

  @Test
  void theNativeFormat_neitherReadsNorWritesKeystonemiddlewaresKeys() throws Exception {
    JsonNode vector = vectors("entries").get(1);
    store.values.put(
        vector.get("key").asText(), vector.get("stored").asText().getBytes(StandardCharsets.UTF_8));
    byte[] body = body();
    CountingKeystone keystone =
        new CountingKeystone(
            t ->
                new TokenValidation.Valid(
                    identityOf(body), null, new TokenValidation.KeystoneBody(body)));
    SharedTokenCache cache =
        new SharedTokenCache(keystone, store, protection(vector), TTL, false, MAPPER, clock);

    TokenValidation.Valid valid =
        assertInstanceOf(
            TokenValidation.Valid.class,
            cache.validate(AuthToken.of(vector.get("token").asText())));

    assertEquals(1, keystone.calls.get());
    assertFalse(store.values.keySet().stream().allMatch(k -> k.startsWith("tokens/")));
    assertNotNull(valid.identity());
    assertTrue(
        store.values.keySet().stream().anyMatch(k -> k.startsWith("keystoneauthfilter/")),
        store.values.keySet().toString());
  }

  private static Identity identityOf(byte[] body) {
    try {
      return parsed(body);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Gives the same bytes every time: keystonemiddleware's IV in the vectors. */
  private static final class FixedRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final byte[] bytes;

    FixedRandom(byte[] bytes) {
      this.bytes = bytes.clone();
    }

    @Override
    public void nextBytes(byte @Nullable [] out) {
      Objects.requireNonNull(out);
      System.arraycopy(bytes, 0, out, 0, out.length);
    }
  }
}
