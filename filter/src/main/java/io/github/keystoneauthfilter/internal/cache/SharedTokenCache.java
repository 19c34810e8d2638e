package io.github.keystoneauthfilter.internal.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.internal.log.LogThrottle;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The second-level cache, shared by every instance of a service: a {@link TokenValidator} that
 * looks in a {@link SharedStore} (memcached or Redis) before asking its delegate (Keystone), and
 * stores what Keystone vouched for.
 *
 * <ul>
 *   <li>Only valid identities are shared, until the time below, in whole seconds (nothing when
 *       under a second is left). Invalid answers stay in each instance's own cache.
 *   <li>Each entry holds, inside what is signed (and encrypted), the time until which it may be
 *       used: when Keystone was asked, plus {@code ttl}, never past the token's expiry. After that
 *       time the entry is refused like a tampered one, whatever memcached (or someone replaying a
 *       saved entry) returns. An identity served from an entry carries that time ({@link
 *       TokenValidation.Valid#usableUntil()}), and one fresh from Keystone carries "asked + {@code
 *       ttl}", so the in-process cache keeps neither longer. The window in which a revoked token is
 *       still accepted is thus {@code ttl} from Keystone's answer across all instances, not {@code
 *       ttl} per cache level (this assumes the instances' clocks agree; a skew widens or narrows
 *       the window by as much).
 *   <li>An entry is used only if it opens ({@link EntryProtection}: the MAC matches and it
 *       decrypts), decodes, is within its time, and its token has not expired (unless the token is
 *       asked about with {@code allow_expired}); anything else is a miss, and Keystone is asked.
 *   <li>The entry's name depends on whether the service catalog is included, since identities
 *       differ; it never depends on {@code allow_expired} (the identity is the same).
 *   <li>The store never fails a request: unreachable is a miss, a failed write is forgotten.
 * </ul>
 *
 * <p>In keystonemiddleware's format (the constructor's {@code keystonemiddlewareFormat}, {@code
 * memcache_entry_format=keystonemiddleware}) the entries are those of keystonemiddleware's {@code
 * auth_token}, named and protected as it does ({@link EntryProtection#keystonemiddlewareKeys}),
 * holding Keystone's answer ({@link KeystonemiddlewareCodec}), so that Python services and this
 * filter share them. The rules above hold with two changes: an entry keystonemiddleware wrote
 * carries no time until which it may be used, so it is used only while memcached keeps it (for
 * keystonemiddleware's {@code token_cache_time}) and this instance keeps none of it (every request
 * with that token reads memcached again, as keystonemiddleware does); and its "invalid" marker
 * refuses the token. Keystone's answer ({@link TokenValidation.Valid#body()}) is dropped once
 * written: what this returns never holds it.
 *
 * <p>It sits behind {@link TokenCache}, whose single flight means one lookup here per token per
 * instance at a time.
 */
public final class SharedTokenCache implements TokenValidator {
  private static final System.Logger LOG = System.getLogger(SharedTokenCache.class.getName());

  private final TokenValidator delegate;
  private final SharedStore store;
  private final EntryProtection protection;
  private final IdentityCodec codec;
  private final @Nullable KeystonemiddlewareCodec keystonemiddleware;
  private final Duration ttl;
  private final boolean includeCatalog;
  private final Clock clock;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder writes = new LongAdder();
  private final LogThrottle rejectionLog = new LogThrottle(Duration.ofMinutes(1));
  private final LogThrottle outOfTimeLog = new LogThrottle(Duration.ofMinutes(1));

  /**
   * Creates the cache.
   *
   * @param delegate where answers come from on a miss
   * @param store the shared store
   * @param protection how entries are named, signed and encrypted
   * @param ttl the longest an identity is shared or used from the store, from Keystone's answer
   *     (capped at the token's expiry)
   * @param includeCatalog whether identities carry the service catalog (part of the entry's name)
   * @param mapper for the entries' JSON
   * @param clock the time source
   */
  public SharedTokenCache(
      TokenValidator delegate,
      SharedStore store,
      EntryProtection protection,
      Duration ttl,
      boolean includeCatalog,
      ObjectMapper mapper,
      Clock clock) {
    this(delegate, store, protection, ttl, includeCatalog, mapper, clock, false);
  }

  /**
   * Creates the cache, with this filter's own entries or with keystonemiddleware's.
   *
   * @param keystonemiddlewareFormat whether the entries are keystonemiddleware's ({@code
   *     memcache_entry_format=keystonemiddleware}); the delegate's valid answers must then carry
   *     Keystone's body ({@link TokenValidation.Valid#body()}): one without is not shared
   * @see #SharedTokenCache(TokenValidator, SharedStore, EntryProtection, Duration, boolean,
   *     ObjectMapper, Clock) the other parameters
   */
  public SharedTokenCache(
      TokenValidator delegate,
      SharedStore store,
      EntryProtection protection,
      Duration ttl,
      boolean includeCatalog,
      ObjectMapper mapper,
      Clock clock,
      boolean keystonemiddlewareFormat) {
    this.keystonemiddleware =
        keystonemiddlewareFormat ? new KeystonemiddlewareCodec(mapper, includeCatalog) : null;
    this.delegate = delegate;
    this.store = store;
    this.protection = protection;
    this.codec = new IdentityCodec(mapper);
    this.ttl = Duration.ofSeconds(ttl.toSeconds());
    this.includeCatalog = includeCatalog;
    this.clock = clock;
  }

  @Override
  public TokenValidation validate(AuthToken token) {
    KeystonemiddlewareCodec kmw = keystonemiddleware;
    if (kmw != null) {
      return validateInKeystonemiddlewareFormat(token, kmw);
    }
    EntryProtection.Keys keys = protection.keys(token.value(), token.hash());
    String name = includeCatalog ? keys.name() + "/catalog" : keys.name();
    IdentityCodec.Entry shared = read(name, keys, token.allowExpired());
    if (shared != null) {
      hits.increment();
      return new TokenValidation.Valid(shared.identity(), shared.usableUntil());
    }
    misses.increment();
    // Counted from before the call, so that no instance uses the answer for longer than ttl
    // after Keystone gave it.
    Instant asked = clock.instant();
    TokenValidation answer = delegate.validate(token);
    if (answer instanceof TokenValidation.Valid valid) {
      write(name, keys, valid.identity(), usableUntil(asked, valid));
      // This instance keeps it no longer than the others may use the entry: until ttl after
      // Keystone was asked. (Not capped at the expiry here: the in-process cache does that,
      // except for allow_expired, where the token may be expired already.)
      return new TokenValidation.Valid(valid.identity(), earliest(asked.plus(ttl), valid));
    }
    return answer;
  }

  private TokenValidation validateInKeystonemiddlewareFormat(
      AuthToken token, KeystonemiddlewareCodec kmw) {
    EntryProtection.Keys keys = protection.keystonemiddlewareKeys(token.value(), token.hash());
    TokenValidation shared = readKeystonemiddleware(keys, kmw, token.allowExpired());
    if (shared != null) {
      hits.increment();
      return shared;
    }
    misses.increment();
    Instant asked = clock.instant();
    TokenValidation answer = delegate.validate(token);
    if (answer instanceof TokenValidation.Valid valid) {
      TokenValidation.KeystoneBody body = valid.body();
      if (body != null) {
        Instant until = usableUntil(asked, valid);
        writeSealed(keys, until, () -> kmw.encode(body.json(), until));
      }
      return new TokenValidation.Valid(valid.identity(), earliest(asked.plus(ttl), valid));
    }
    return answer;
  }

  /**
   * The answer an entry in keystonemiddleware's format gives (an identity or a refusal), or null
   * when there is none to use.
   */
  private @Nullable TokenValidation readKeystonemiddleware(
      EntryProtection.Keys keys, KeystonemiddlewareCodec kmw, boolean allowExpired) {
    byte[] stored = store.get(keys.name());
    if (stored == null) {
      return null;
    }
    byte[] plain = protection.open(keys, stored);
    KeystonemiddlewareCodec.Decoded decoded =
        plain == null ? new KeystonemiddlewareCodec.Unusable("MAC") : kmw.decode(plain);
    if (decoded instanceof KeystonemiddlewareCodec.InvalidMarker) {
      return new TokenValidation.Invalid(
          "keystonemiddleware's shared cache entry marks it invalid");
    }
    if (decoded instanceof KeystonemiddlewareCodec.Unusable) {
      rejected.increment();
      logRejection();
      return null;
    }
    if (!(decoded instanceof KeystonemiddlewareCodec.Found found)) {
      return null; // NoCatalog: Keystone is asked for the catalog
    }
    Instant now = clock.instant();
    Instant sealedUntil = found.usableUntil();
    if (sealedUntil != null && !now.isBefore(sealedUntil)) {
      rejected.increment();
      logOutOfTime();
      return null;
    }
    if (!allowExpired && found.identity().isExpiredAt(now)) {
      return null; // Keystone says what an expired token is worth
    }
    // Written by keystonemiddleware: used now, kept by nobody (its age is unknown).
    return new TokenValidation.Valid(found.identity(), sealedUntil != null ? sealedUntil : now);
  }

  /** {@code asked + ttl}, never past the token's expiry nor a limit the answer already had. */
  private Instant usableUntil(Instant asked, TokenValidation.Valid valid) {
    Instant until = earliest(asked.plus(ttl), valid);
    Instant expiresAt = valid.identity().expiresAt();
    return expiresAt.isBefore(until) ? expiresAt : until;
  }

  /** {@code until}, or the answer's own usableUntil if that is earlier. */
  private static Instant earliest(Instant until, TokenValidation.Valid valid) {
    Instant earlier = valid.usableUntil();
    return earlier != null && earlier.isBefore(until) ? earlier : until;
  }

  private IdentityCodec.@Nullable Entry read(
      String name, EntryProtection.Keys keys, boolean allowExpired) {
    byte[] stored = store.get(name);
    if (stored == null) {
      return null;
    }
    byte[] plain = protection.open(keys, stored);
    IdentityCodec.Entry entry = plain == null ? null : codec.decode(plain);
    if (entry == null) {
      rejected.increment();
      logRejection();
      return null;
    }
    Instant now = clock.instant();
    if (!now.isBefore(entry.usableUntil())) {
      rejected.increment();
      logOutOfTime();
      return null;
    }
    if (!allowExpired && entry.identity().isExpiredAt(now)) {
      return null; // Keystone says what an expired token is worth
    }
    return entry;
  }

  private void write(
      String name, EntryProtection.Keys keys, Identity identity, Instant usableUntil) {
    writeSealed(
        new EntryProtection.Keys(name, keys.macKey(), keys.aesKey()),
        usableUntil,
        () -> codec.encode(identity, usableUntil));
  }

  /** Writes the entry {@code plain} makes under {@code keys.name()}, if a second is left. */
  private void writeSealed(EntryProtection.Keys keys, Instant usableUntil, Supplier<byte[]> plain) {
    Instant now = clock.instant();
    long left = Duration.between(now, usableUntil).toSeconds();
    if (left < 1) {
      return;
    }
    // memcached reads more than 30 days as an absolute time: never ask for that long.
    int seconds = (int) Math.min(left, Duration.ofDays(30).toSeconds());
    store.set(keys.name(), protection.seal(keys, plain.get()), seconds);
    writes.increment();
  }

  private void logOutOfTime() {
    if (outOfTimeLog.allow()) {
      LOG.log(
          Level.WARNING,
          "a shared cache entry was not used: the time until which it may be used (sealed in it:"
              + " Keystone''s answer + token_cache_time) has passed. It was replayed, or the store"
              + " (memcached, Redis) kept it longer than asked, or this instance''s clock is ahead"
              + " of the one that"
              + " wrote it; Keystone is asked instead. {0} rejected entries so far; logged at most"
              + " once a minute",
          rejected.sum());
    }
  }

  private void logRejection() {
    if (rejectionLog.allow()) {
      LOG.log(
          Level.WARNING,
          "a shared cache entry was not used: it failed its "
              + (protection.mode() == EntryProtection.Mode.NONE ? "decoding" : "MAC or decryption")
              + (keystonemiddleware != null ? " or its parsing as a Keystone answer" : "")
              + " (tampered with, corrupt, or written with another memcache_secret_key or"
              + " memcache_security_strategy); Keystone is asked instead. {0} such entries so far;"
              + " logged at most once a minute",
          rejected.sum());
    }
  }

  /** Identities served from the shared store. */
  public long hits() {
    return hits.sum();
  }

  /** Lookups that went on to Keystone (including rejected entries). */
  public long misses() {
    return misses.sum();
  }

  /**
   * Entries found but not used: failed MAC, decryption or decoding, or past the time until which
   * they may be used.
   */
  public long rejected() {
    return rejected.sum();
  }

  /** Identities written to the store (attempted; the store may drop them). */
  public long writes() {
    return writes.sum();
  }

  /**
   * Store calls that failed or timed out (a server being skipped is not called, so this stops
   * growing while it is skipped).
   */
  public long storeFailures() {
    return store.failures();
  }
}
