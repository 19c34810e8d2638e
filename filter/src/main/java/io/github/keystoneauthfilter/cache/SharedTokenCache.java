package io.github.keystoneauthfilter.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.keystoneauthfilter.log.LogThrottle;
import io.github.keystoneauthfilter.token.AuthToken;
import io.github.keystoneauthfilter.token.Identity;
import io.github.keystoneauthfilter.token.TokenValidation;
import io.github.keystoneauthfilter.token.TokenValidator;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The second-level cache, shared by every instance of a service: a {@link TokenValidator} that
 * looks in a {@link SharedStore} (memcached) before asking its delegate (Keystone), and stores what
 * Keystone vouched for.
 *
 * <ul>
 *   <li>Only valid identities are shared, for {@code min(ttl, expires_at - now)} in whole seconds
 *       (nothing when under a second is left). Invalid answers stay in each instance's own cache.
 *   <li>An entry is used only if it opens ({@link EntryProtection}: the MAC matches and it
 *       decrypts), decodes, and has not expired (unless the token is asked about with {@code
 *       allow_expired}); anything else is a miss, and Keystone is asked.
 *   <li>The entry's name depends on whether the service catalog is included, since identities
 *       differ; it never depends on {@code allow_expired} (the identity is the same).
 *   <li>The store never fails a request: unreachable is a miss, a failed write is forgotten.
 * </ul>
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
  private final long ttlSeconds;
  private final boolean includeCatalog;
  private final Clock clock;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder writes = new LongAdder();
  private final LogThrottle rejectionLog = new LogThrottle(Duration.ofMinutes(1));

  /**
   * Creates the cache.
   *
   * @param delegate where answers come from on a miss
   * @param store the shared store
   * @param protection how entries are named, signed and encrypted
   * @param ttl the longest an identity is shared (capped at the token's expiry)
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
    this.delegate = delegate;
    this.store = store;
    this.protection = protection;
    this.codec = new IdentityCodec(mapper);
    this.ttlSeconds = ttl.toSeconds();
    this.includeCatalog = includeCatalog;
    this.clock = clock;
  }

  @Override
  public TokenValidation validate(AuthToken token) {
    EntryProtection.Keys keys = protection.keys(token.value(), token.hash());
    String name = includeCatalog ? keys.name() + "/catalog" : keys.name();
    Identity shared = read(name, keys, token.allowExpired());
    if (shared != null) {
      hits.increment();
      return new TokenValidation.Valid(shared);
    }
    misses.increment();
    TokenValidation answer = delegate.validate(token);
    if (answer instanceof TokenValidation.Valid valid) {
      write(name, keys, valid.identity());
    }
    return answer;
  }

  private @Nullable Identity read(String name, EntryProtection.Keys keys, boolean allowExpired) {
    byte[] stored = store.get(name);
    if (stored == null) {
      return null;
    }
    byte[] plain = protection.open(keys, stored);
    Identity identity = plain == null ? null : codec.decode(plain);
    if (identity == null) {
      rejected.increment();
      logRejection();
      return null;
    }
    if (!allowExpired && identity.isExpiredAt(clock.instant())) {
      return null; // Keystone says what an expired token is worth
    }
    return identity;
  }

  private void write(String name, EntryProtection.Keys keys, Identity identity) {
    Instant now = clock.instant();
    long untilExpiry = Duration.between(now, identity.expiresAt()).toSeconds();
    long ttl = Math.min(ttlSeconds, untilExpiry);
    if (ttl < 1) {
      return;
    }
    // memcached reads more than 30 days as an absolute time: never ask for that long.
    int seconds = (int) Math.min(ttl, Duration.ofDays(30).toSeconds());
    store.set(name, protection.seal(keys, codec.encode(identity)), seconds);
    writes.increment();
  }

  private void logRejection() {
    if (rejectionLog.allow()) {
      LOG.log(
          Level.WARNING,
          "a shared cache entry was not used: it failed its "
              + (protection.mode() == EntryProtection.Mode.NONE ? "decoding" : "MAC or decryption")
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

  /** Entries found but not used: failed MAC, decryption or decoding. */
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
