package io.github.keystoneauthfilter.internal.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.internal.cache.SharedTokenCacheTest.CountingKeystone;
import io.github.keystoneauthfilter.internal.cache.SharedTokenCacheTest.MapStore;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import io.github.keystoneauthfilter.testing.Identities;
import io.github.keystoneauthfilter.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The revocation window across a fleet: an identity got from the shared cache is used no longer
 * than {@code token_cache_time} after Keystone gave it, by any instance and any cache level, and a
 * saved entry cannot be replayed after that. memcached is a map here that never expires anything,
 * as a replayed entry (or a memcached keeping an entry past its TTL) would look.
 */
class SharedCacheWindowTest {
  private static final Instant START = Instant.parse("2026-11-28T12:00:00Z");
  private static final Duration TTL = Duration.ofSeconds(300);
  private static final AuthToken TOKEN = AuthToken.of("gAAAAABwindow-token");
  private static final Identity IDENTITY =
      Identities.user("u-1")
          .name("demo")
          .userDomain("d-1", "Default")
          .project("p-1", "demo", "d-1", "Default")
          .roles("member")
          .adminProject(false)
          .expiresAt(START.plus(Duration.ofHours(2)))
          .build();

  private final MutableClock clock = new MutableClock(START);
  private final MapStore store = new MapStore();
  private final ObjectMapper mapper = new ObjectMapper();

  /** Keystone, which says the token is valid until told it was revoked. */
  private final AtomicReference<TokenValidation> keystoneSays =
      new AtomicReference<>(new TokenValidation.Valid(IDENTITY));

  private CountingKeystone keystone() {
    return new CountingKeystone(t -> keystoneSays.get());
  }

  private SharedTokenCache shared(TokenValidator keystone, EntryProtection protection) {
    return new SharedTokenCache(keystone, store, protection, TTL, false, mapper, clock);
  }

  private static EntryProtection protection(EntryProtection.Mode mode) {
    return mode == EntryProtection.Mode.NONE
        ? EntryProtection.none()
        : EntryProtection.of(mode, "s3cret");
  }

  @ParameterizedTest
  @EnumSource(EntryProtection.Mode.class)
  void anEntry_isUsedUntilTtlAfterKeystonesAnswer_andRefusedFromThen(EntryProtection.Mode mode) {
    shared(keystone(), protection(mode)).validate(TOKEN); // instance 1 asks Keystone at START
    keystoneSays.set(new TokenValidation.Invalid("revoked"));
    CountingKeystone second = keystone();
    SharedTokenCache other = shared(second, protection(mode));

    clock.set(START.plus(TTL).minusMillis(1));
    assertInstanceOf(TokenValidation.Valid.class, other.validate(TOKEN));
    assertEquals(0, second.calls.get(), "served from the shared cache within the window");

    clock.set(START.plus(TTL));
    assertEquals(new TokenValidation.Invalid("revoked"), other.validate(TOKEN));
    assertEquals(1, second.calls.get(), "Keystone was asked once the window had closed");
    assertEquals(1, other.rejected());
    assertEquals(1, other.hits());
    assertEquals(1, other.misses());
  }

  @ParameterizedTest
  @EnumSource(
      value = EntryProtection.Mode.class,
      names = {"MAC", "ENCRYPT"})
  void aSavedEntry_replayedAfterItsWindow_isRefused(EntryProtection.Mode mode) {
    shared(keystone(), protection(mode)).validate(TOKEN);
    String name = store.values.keySet().iterator().next();
    byte[] saved = store.values.get(name).clone();
    store.values.clear(); // memcached let it expire

    clock.set(START.plus(TTL).plusSeconds(3_000)); // the token itself is still valid for a while
    store.values.put(name, saved); // someone who can write to memcached puts it back
    keystoneSays.set(new TokenValidation.Invalid("revoked"));
    CountingKeystone later = keystone();
    SharedTokenCache cache = shared(later, protection(mode));

    assertEquals(new TokenValidation.Invalid("revoked"), cache.validate(TOKEN));
    assertEquals(1, later.calls.get());
    assertEquals(1, cache.rejected());
  }

  @Test
  void anEntry_isUsableUntilTheTokenExpires_atTheLatest() {
    Identity shortLived =
        Identities.user("u-1").adminProject(false).expiresAt(START.plusSeconds(100)).build();
    shared(new CountingKeystone(t -> new TokenValidation.Valid(shortLived)), EntryProtection.none())
        .validate(TOKEN);
    CountingKeystone later = keystone();
    SharedTokenCache cache = shared(later, EntryProtection.none());

    TokenValidation.Valid hit =
        assertInstanceOf(TokenValidation.Valid.class, cache.validate(TOKEN.allowingExpired()));
    assertEquals(START.plusSeconds(100), hit.usableUntil());
    clock.set(START.plusSeconds(100));
    cache.validate(TOKEN.allowingExpired());
    assertEquals(1, later.calls.get(), "not used past the token's expiry, even for allow_expired");
  }

  @Test
  void theWindow_countsFromBeforeKeystoneWasAsked() {
    // A slow answer does not lengthen the window: it starts when Keystone was asked.
    CountingKeystone slow =
        new CountingKeystone(
            t -> {
              clock.advance(Duration.ofSeconds(4));
              return new TokenValidation.Valid(IDENTITY);
            });
    shared(slow, EntryProtection.none()).validate(TOKEN);

    TokenValidation.Valid hit =
        assertInstanceOf(
            TokenValidation.Valid.class,
            shared(keystone(), EntryProtection.none()).validate(TOKEN));
    assertEquals(START.plus(TTL), hit.usableUntil());
    assertEquals(296, store.ttls.values().iterator().next(), "memcached keeps it no longer");
  }

  @Test
  void anIdentityFromTheSharedCache_isKeptInProcessOnlyUntilItsWindowCloses() {
    shared(keystone(), EntryProtection.none()).validate(TOKEN); // instance 1, at START
    keystoneSays.set(new TokenValidation.Invalid("revoked"));
    CountingKeystone second = keystone();
    SharedTokenCache secondShared = shared(second, EntryProtection.none());
    TokenCache secondInProcess = new TokenCache(secondShared, TTL, 100, clock);

    clock.set(START.plusSeconds(200)); // instance 2 first sees the token
    assertInstanceOf(TokenValidation.Valid.class, secondInProcess.validate(TOKEN));
    clock.set(START.plus(TTL).minusSeconds(1));
    assertInstanceOf(TokenValidation.Valid.class, secondInProcess.validate(TOKEN));
    assertEquals(1, secondShared.hits() + secondShared.misses(), "the second came from Caffeine");

    // Not 200 s + a fresh token_cache_time: the window closed 300 s after Keystone's answer.
    clock.set(START.plus(TTL));
    assertEquals(new TokenValidation.Invalid("revoked"), secondInProcess.validate(TOKEN));
    assertEquals(1, second.calls.get());
  }

  @Test
  void anEntryOfTheOldFormat_isNotUsed() throws Exception {
    // What version 1 wrote: the identity without the time it may be used until.
    IdentityCodec codec = new IdentityCodec(mapper);
    ObjectNode old = (ObjectNode) mapper.readTree(codec.encode(IDENTITY, START.plus(TTL)));
    old.put("v", 1);
    old.remove("usable_until");
    String name = EntryProtection.none().keys(TOKEN.value(), TOKEN.hash()).name();
    store.values.put(name, mapper.writeValueAsBytes(old));
    keystoneSays.set(new TokenValidation.Invalid("revoked"));
    CountingKeystone later = keystone();
    SharedTokenCache cache = shared(later, EntryProtection.none());

    assertEquals(new TokenValidation.Invalid("revoked"), cache.validate(TOKEN));
    assertEquals(1, later.calls.get());
  }

  @Test
  void theInstanceThatAskedKeystone_keepsTheIdentityNoLongerThanTheOthers() {
    CountingKeystone slow =
        new CountingKeystone(
            t -> {
              clock.advance(Duration.ofSeconds(4));
              return keystoneSays.get();
            });
    TokenCache inProcess = new TokenCache(shared(slow, EntryProtection.none()), TTL, 100, clock);
    inProcess.validate(TOKEN); // asked at START, answered at START + 4 s
    keystoneSays.set(new TokenValidation.Invalid("revoked"));

    clock.set(START.plus(TTL).minusMillis(1));
    assertInstanceOf(TokenValidation.Valid.class, inProcess.validate(TOKEN));
    clock.set(START.plus(TTL));
    assertEquals(new TokenValidation.Invalid("revoked"), inProcess.validate(TOKEN));
    assertEquals(2, slow.calls.get());
  }

  @Test
  void anExpiredTokenAcceptedWithAllowExpired_isStillKeptInProcess() {
    // Not shared (its entry could be used for no time at all), but kept in process for the TTL,
    // as without a shared cache: service-token requests with an expired user token stay cheap.
    Identity expired =
        Identities.user("u-1").adminProject(false).expiresAt(START.minusSeconds(10)).build();
    CountingKeystone keystone = new CountingKeystone(t -> new TokenValidation.Valid(expired));
    TokenCache inProcess =
        new TokenCache(shared(keystone, EntryProtection.none()), TTL, 100, clock);
    AuthToken token = TOKEN.allowingExpired();

    assertInstanceOf(TokenValidation.Valid.class, inProcess.validate(token));
    clock.set(START.plus(TTL).minusSeconds(1));
    assertInstanceOf(TokenValidation.Valid.class, inProcess.validate(token));
    assertEquals(1, keystone.calls.get());
    assertEquals(0, store.values.size());
  }
}
