package io.github.keystoneauthfilter.internal.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.KeystoneUnavailableException;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import io.github.keystoneauthfilter.testing.Identities;
import io.github.keystoneauthfilter.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SharedTokenCacheTest {
  private static final Instant START = Instant.parse("2026-11-28T12:00:00Z");
  private static final Duration TTL = Duration.ofSeconds(300);
  private static final AuthToken TOKEN = AuthToken.of("gAAAAABshared-token");

  private final MutableClock clock = new MutableClock(START);
  private final MapStore store = new MapStore();
  private final ObjectMapper mapper = new ObjectMapper();

  /** memcached in a map: remembers each TTL asked for. */
  static final class MapStore implements SharedStore {
    final Map<String, byte[]> values = new ConcurrentHashMap<>();
    final Map<String, Integer> ttls = new ConcurrentHashMap<>();
    final AtomicInteger gets = new AtomicInteger();
    volatile boolean down;

    @Override
    public byte @Nullable [] get(String key) {
      gets.incrementAndGet();
      return down ? null : values.get(key);
    }

    @Override
    public void set(String key, byte[] value, int ttlSeconds) {
      if (!down) {
        values.put(key, value);
        ttls.put(key, ttlSeconds);
      }
    }

    @Override
    public void close() {}
  }

  /** Keystone: counts its calls. */
  static final class CountingKeystone implements TokenValidator {
    final AtomicInteger calls = new AtomicInteger();
    final Function<AuthToken, TokenValidation> answer;

    CountingKeystone(Function<AuthToken, TokenValidation> answer) {
      this.answer = answer;
    }

    @Override
    public TokenValidation validate(AuthToken token) {
      calls.incrementAndGet();
      return answer.apply(token);
    }
  }

  private static Identity identityUntil(Instant expiresAt) {
    return Identities.user("u-1")
        .name("demo")
        .userDomain("d-1", "Default")
        .project("p-1", "demo", "d-1", "Default")
        .roles("member")
        .adminProject(false)
        .expiresAt(expiresAt)
        .build();
  }

  /** What an attacker would like an entry to say. */
  private static Identity attackerAsAdmin() {
    return Identities.user("attacker")
        .project("p-1", "demo")
        .roles("admin")
        .expiresAt(START.plus(Duration.ofHours(1)))
        .build();
  }

  private SharedTokenCache instance(TokenValidator keystone, EntryProtection protection) {
    return new SharedTokenCache(keystone, store, protection, TTL, false, mapper, clock);
  }

  private static EntryProtection protection(EntryProtection.Mode mode) {
    return mode == EntryProtection.Mode.NONE
        ? EntryProtection.none()
        : EntryProtection.of(mode, "s3cret");
  }

  @ParameterizedTest
  @EnumSource(EntryProtection.Mode.class)
  void secondInstance_getsTheIdentityWithoutAskingKeystone(EntryProtection.Mode mode) {
    Identity identity = identityUntil(START.plus(Duration.ofHours(1)));
    CountingKeystone first = new CountingKeystone(t -> new TokenValidation.Valid(identity));
    CountingKeystone second = new CountingKeystone(t -> new TokenValidation.Valid(identity));

    assertEquals(
        new TokenValidation.Valid(identity, START.plus(TTL)),
        instance(first, protection(mode)).validate(TOKEN));
    SharedTokenCache other = instance(second, protection(mode));
    assertEquals(new TokenValidation.Valid(identity, START.plus(TTL)), other.validate(TOKEN));
    assertEquals(1, first.calls.get());
    assertEquals(0, second.calls.get());
    assertEquals(1, other.hits());
    assertEquals(0, other.misses());
    assertEquals(0, other.rejected());
    assertEquals(0, other.writes());
    assertEquals(0, other.storeFailures());
  }

  @Test
  void ttl_isCappedAtTheTokensExpiry_andNothingIsSharedUnderASecond() {
    AuthToken soon = AuthToken.of("gAAAAABexpires-soon");
    AuthToken gone = AuthToken.of("gAAAAABexpires-now");
    Map<AuthToken, Instant> expiry =
        Map.of(
            TOKEN, START.plus(Duration.ofHours(1)),
            soon, START.plusSeconds(42).plusMillis(900),
            gone, START.plusMillis(800));
    SharedTokenCache cache =
        instance(
            new CountingKeystone(t -> new TokenValidation.Valid(identityUntil(expiry.get(t)))),
            EntryProtection.none());
    cache.validate(TOKEN);
    cache.validate(soon);
    cache.validate(gone);
    assertEquals(300, store.ttls.get("keystoneauthfilter/v2/" + TOKEN.hash()));
    assertEquals(42, store.ttls.get("keystoneauthfilter/v2/" + soon.hash()));
    assertFalse(store.values.containsKey("keystoneauthfilter/v2/" + gone.hash()));
  }

  @Test
  void invalidAnswersAndOutages_areNotShared() {
    SharedTokenCache invalid =
        instance(
            new CountingKeystone(t -> new TokenValidation.Invalid("nope")), EntryProtection.none());
    assertInstanceOf(TokenValidation.Invalid.class, invalid.validate(TOKEN));
    SharedTokenCache down =
        instance(
            new CountingKeystone(
                t -> {
                  throw new KeystoneUnavailableException("all endpoints down", null);
                }),
            EntryProtection.none());
    assertThrows(KeystoneUnavailableException.class, () -> down.validate(TOKEN));
    assertTrue(store.values.isEmpty());
  }

  @Test
  void anExpiredSharedIdentity_sendsTheRequestToKeystone_evenWithAllowExpired() {
    Identity identity = identityUntil(START.plusSeconds(60));
    instance(new CountingKeystone(t -> new TokenValidation.Valid(identity)), EntryProtection.none())
        .validate(TOKEN);
    clock.advance(Duration.ofSeconds(61)); // memcached may still hold it (clock skew)

    CountingKeystone keystone = new CountingKeystone(t -> new TokenValidation.Invalid("expired"));
    SharedTokenCache later = instance(keystone, EntryProtection.none());
    assertInstanceOf(TokenValidation.Invalid.class, later.validate(TOKEN));
    assertEquals(1, keystone.calls.get());

    // The entry may be used until the token's expiry at the latest, whatever the question.
    assertInstanceOf(TokenValidation.Invalid.class, later.validate(TOKEN.allowingExpired()));
    assertEquals(2, keystone.calls.get(), "allow_expired asks Keystone too");
  }

  @ParameterizedTest
  @EnumSource(
      value = EntryProtection.Mode.class,
      names = {"MAC", "ENCRYPT"})
  void aTamperedEntry_isNotTrusted_andKeystoneDecides(EntryProtection.Mode mode) {
    Identity identity = identityUntil(START.plus(Duration.ofHours(1)));
    instance(new CountingKeystone(t -> new TokenValidation.Valid(identity)), protection(mode))
        .validate(TOKEN);
    String name = store.values.keySet().iterator().next();
    byte[] tampered = store.values.get(name).clone();
    tampered[tampered.length - 3] ^= 1;
    store.values.put(name, tampered);

    CountingKeystone keystone = new CountingKeystone(t -> new TokenValidation.Invalid("revoked"));
    SharedTokenCache cache = instance(keystone, protection(mode));
    assertInstanceOf(TokenValidation.Invalid.class, cache.validate(TOKEN));
    assertEquals(1, keystone.calls.get());
    assertEquals(1, cache.rejected());
  }

  @Test
  void anEntryForgedWithoutTheSecret_isReadAndRejected() {
    // An attacker who can write to memcached, and knows the token, but not the secret, puts an
    // entry signed with a guessed secret under the name this instance reads (the worst case: the
    // name needs the secret too, see the next test).
    Identity admin = attackerAsAdmin();
    EntryProtection guess = EntryProtection.of(EntryProtection.Mode.MAC, "guessed-secret");
    EntryProtection real = EntryProtection.of(EntryProtection.Mode.MAC, "s3cret");
    EntryProtection.Keys realKeys = real.keys(TOKEN.value(), TOKEN.hash());
    byte[] forged =
        guess.seal(
            guess.keys(TOKEN.value(), TOKEN.hash()),
            new IdentityCodec(mapper).encode(admin, START.plusSeconds(60)));
    store.values.put(realKeys.name(), forged);

    CountingKeystone keystone =
        new CountingKeystone(t -> new TokenValidation.Invalid("not a token"));
    SharedTokenCache cache = instance(keystone, real);
    assertInstanceOf(TokenValidation.Invalid.class, cache.validate(TOKEN));
    assertEquals(1, keystone.calls.get());
    // The forged entry was found and failed its MAC, not merely missed.
    assertEquals(1, store.gets.get());
    assertEquals(1, cache.rejected());
    assertEquals(0, cache.hits());
    assertEquals(1, cache.misses());
  }

  @Test
  void anEntryWrittenWithAnotherSecret_isAPlainMiss_andItsIdentityIsNotUsed() {
    // Another secret derives another entry name: an instance (or an attacker) with another
    // memcache_secret_key writes where this instance never looks.
    Identity admin = attackerAsAdmin();
    EntryProtection other = EntryProtection.of(EntryProtection.Mode.MAC, "other-secret");
    instance(new CountingKeystone(t -> new TokenValidation.Valid(admin)), other).validate(TOKEN);
    String otherName = other.keys(TOKEN.value(), TOKEN.hash()).name();
    byte[] otherEntry = store.values.get(otherName).clone();

    Identity member = identityUntil(START.plus(Duration.ofHours(1)));
    CountingKeystone keystone = new CountingKeystone(t -> new TokenValidation.Valid(member));
    SharedTokenCache cache = instance(keystone, protection(EntryProtection.Mode.MAC));
    assertEquals(new TokenValidation.Valid(member, START.plus(TTL)), cache.validate(TOKEN));

    assertEquals(1, keystone.calls.get());
    assertEquals(0, cache.hits());
    assertEquals(0, cache.rejected(), "read the other secret's entry");
    assertEquals(1, cache.misses());
    assertEquals(1, cache.writes());
    assertEquals(2, store.values.size());
    assertArrayEquals(otherEntry, store.values.get(otherName), "the other entry was changed");
  }

  @Test
  void encrypt_storesNoReadableIdentity() {
    Identity identity = identityUntil(START.plus(Duration.ofHours(1)));
    instance(
            new CountingKeystone(t -> new TokenValidation.Valid(identity)),
            protection(EntryProtection.Mode.ENCRYPT))
        .validate(TOKEN);
    String stored =
        new String(store.values.values().iterator().next(), StandardCharsets.ISO_8859_1);
    assertFalse(stored.contains("u-1"));
    assertFalse(stored.contains("member"));
    assertFalse(store.values.keySet().iterator().next().contains(TOKEN.hash()));
  }

  @Test
  void catalogAndNoCatalogInstances_useDifferentEntries() {
    Identity identity = identityUntil(START.plus(Duration.ofHours(1)));
    CountingKeystone keystone = new CountingKeystone(t -> new TokenValidation.Valid(identity));
    new SharedTokenCache(keystone, store, EntryProtection.none(), TTL, false, mapper, clock)
        .validate(TOKEN);
    new SharedTokenCache(keystone, store, EntryProtection.none(), TTL, true, mapper, clock)
        .validate(TOKEN);
    assertEquals(2, keystone.calls.get());
    assertEquals(2, store.values.size());
    List<String> names = List.copyOf(store.values.keySet());
    assertNotEquals(names.get(0), names.get(1));
  }

  @Test
  void storeDown_isAMiss_andTheRequestGoesOn() {
    store.down = true;
    Identity identity = identityUntil(START.plus(Duration.ofHours(1)));
    CountingKeystone keystone = new CountingKeystone(t -> new TokenValidation.Valid(identity));
    SharedTokenCache cache = instance(keystone, EntryProtection.none());
    assertEquals(new TokenValidation.Valid(identity, START.plus(TTL)), cache.validate(TOKEN));
    assertEquals(new TokenValidation.Valid(identity, START.plus(TTL)), cache.validate(TOKEN));
    assertEquals(2, keystone.calls.get());
  }
}
