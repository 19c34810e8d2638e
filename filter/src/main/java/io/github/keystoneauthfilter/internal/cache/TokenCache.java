package io.github.keystoneauthfilter.internal.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.KeystoneUnavailableException;
import io.github.keystoneauthfilter.internal.token.TokenKey;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Caches what a delegate validator says, keyed by the token's SHA-256 (plus {@code allow_expired}
 * when set, since the answer differs).
 *
 * <ul>
 *   <li>A valid identity lives {@code min(ttl, expires_at - now)} from the answer; its expiry is
 *       checked again on every hit, so an expired token is never served (unless it was asked about
 *       with {@code allow_expired}; such an identity lives {@code ttl}). An answer that carries a
 *       {@link TokenValidation.Valid#usableUntil() usableUntil} (the shared cache's answers) lives
 *       no longer than that, also with {@code allow_expired}.
 *   <li>An invalid answer is kept for a short {@code invalidTtl} in a separate, bounded cache, so
 *       that a flood of random tokens neither costs a Keystone call each nor evicts valid
 *       identities; zero keeps none (keystonemiddleware keeps none).
 *   <li>"Keystone unavailable" is never kept.
 *   <li>Single flight: while one request asks the delegate about a token, the others carrying the
 *       same token wait for that answer (or failure) instead of asking too, for at most {@code
 *       waitLimit} ({@code failover_deadline}): then they fail as "Keystone unavailable" (503,
 *       {@code Retry-After: 1}) while the first request goes on. Requests in flight are held apart
 *       from the caches, so they never push valid identities out.
 * </ul>
 *
 * <p>The request that finds no entry asks the delegate on its own thread; there is no executor.
 *
 * <p>Counters for metrics (LongAdders: no allocation, no lock on the hit path): hits, invalid hits,
 * misses, single-flight joins, evictions for size and expirations of valid identities.
 */
public final class TokenCache implements TokenValidator {
  /**
   * How long a request waits for another's validation of the same token when no limit is given: the
   * default of {@code failover_deadline}.
   */
  public static final Duration DEFAULT_WAIT_LIMIT = Duration.ofSeconds(10);

  private static final Duration WAIT_RETRY_AFTER = Duration.ofSeconds(1);

  private final TokenValidator delegate;
  private final Clock clock;
  private final Duration waitLimit;
  private final long waitLimitNanos;
  private final Cache<TokenKey, Cached> valid;
  private final @Nullable Cache<TokenKey, TokenValidation.Invalid> invalid;
  private final ConcurrentHashMap<TokenKey, CompletableFuture<Outcome>> inFlight =
      new ConcurrentHashMap<>();
  private final LongAdder hits = new LongAdder();
  private final LongAdder invalidHits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder joins = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder expirations = new LongAdder();

  /**
   * Creates the cache without a cache of invalid answers.
   *
   * @param delegate where answers come from on a miss
   * @param ttl the longest a valid identity is kept; zero keeps nothing (requests in flight are
   *     still shared)
   * @param maxEntries the most identities kept
   * @param clock the time source, also used as the cache's ticker
   */
  public TokenCache(TokenValidator delegate, Duration ttl, long maxEntries, Clock clock) {
    this(delegate, ttl, maxEntries, Duration.ZERO, 1, clock);
  }

  /**
   * Creates the cache, with a cache of invalid answers, waiters bounded by {@link
   * #DEFAULT_WAIT_LIMIT}.
   *
   * @param delegate where answers come from on a miss
   * @param ttl the longest a valid identity is kept; zero keeps nothing (requests in flight are
   *     still shared)
   * @param maxEntries the most identities kept
   * @param invalidTtl how long an invalid answer is kept; zero keeps none
   * @param invalidMaxEntries the most invalid answers kept
   * @param clock the time source, also used as the caches' ticker
   */
  public TokenCache(
      TokenValidator delegate,
      Duration ttl,
      long maxEntries,
      Duration invalidTtl,
      long invalidMaxEntries,
      Clock clock) {
    this(delegate, ttl, maxEntries, invalidTtl, invalidMaxEntries, DEFAULT_WAIT_LIMIT, clock);
  }

  /**
   * Creates the cache, with a cache of invalid answers.
   *
   * @param delegate where answers come from on a miss
   * @param ttl the longest a valid identity is kept; zero keeps nothing (requests in flight are
   *     still shared)
   * @param maxEntries the most identities kept
   * @param invalidTtl how long an invalid answer is kept; zero keeps none
   * @param invalidMaxEntries the most invalid answers kept
   * @param waitLimit the longest a request waits for another request's validation of the same token
   *     ({@code failover_deadline}); positive
   * @param clock the time source, also used as the caches' ticker
   * @throws IllegalArgumentException if {@code waitLimit} is not positive
   */
  public TokenCache(
      TokenValidator delegate,
      Duration ttl,
      long maxEntries,
      Duration invalidTtl,
      long invalidMaxEntries,
      Duration waitLimit,
      Clock clock) {
    if (waitLimit.isZero() || waitLimit.isNegative()) {
      throw new IllegalArgumentException("waitLimit must be positive but was " + waitLimit);
    }
    this.delegate = delegate;
    this.clock = clock;
    this.waitLimit = waitLimit;
    this.waitLimitNanos = saturatedNanos(waitLimit);
    this.valid =
        Caffeine.newBuilder()
            .maximumSize(maxEntries)
            .ticker(ticker(clock))
            .executor(Runnable::run)
            .expireAfter(new ValidExpiry(ttl, clock))
            .evictionListener(
                (@Nullable TokenKey key, @Nullable Cached value, RemovalCause cause) -> {
                  if (cause == RemovalCause.SIZE) {
                    evictions.increment();
                  } else if (cause == RemovalCause.EXPIRED) {
                    expirations.increment();
                  }
                })
            .build();
    this.invalid =
        invalidTtl.isZero() || invalidTtl.isNegative()
            ? null
            : Caffeine.newBuilder()
                .maximumSize(invalidMaxEntries)
                .ticker(ticker(clock))
                .executor(Runnable::run)
                .expireAfterWrite(invalidTtl)
                .build();
  }

  @Override
  public TokenValidation validate(AuthToken token) {
    TokenKey key = token.cacheKey();
    TokenValidation known = lookup(token, key, true);
    if (known != null) {
      return known;
    }
    CompletableFuture<Outcome> mine = new CompletableFuture<>();
    CompletableFuture<Outcome> existing = inFlight.putIfAbsent(key, mine);
    Outcome outcome;
    if (existing != null) {
      joins.increment();
      outcome = await(existing);
    } else {
      try {
        // Another request may have finished between our lookup and putIfAbsent.
        known = lookup(token, key, false);
        outcome = known != null ? new Answered(known) : load(token);
        remember(key, token, outcome);
      } catch (Error e) {
        // Never leave waiters on a future that cannot complete.
        outcome =
            new Failed(
                new KeystoneUnavailableException(
                    "token validation failed: " + e.getClass().getName(), null));
        mine.complete(outcome);
        inFlight.remove(key, mine);
        throw e;
      }
      mine.complete(outcome);
      inFlight.remove(key, mine);
    }
    if (outcome instanceof Failed failed) {
      throw failed.copy();
    }
    TokenValidation answer = ((Answered) outcome).validation();
    if (answer instanceof TokenValidation.Valid fresh
        && !token.allowExpired()
        && fresh.identity().isExpiredAt(clock.instant())) {
      return new TokenValidation.Invalid("token expired");
    }
    return answer;
  }

  /**
   * The answer another request is getting, waiting at most {@code waitLimit}: that request is
   * bounded by the same deadline, but whatever holds it up must not hold up every request with the
   * same token for longer.
   */
  private Outcome await(CompletableFuture<Outcome> shared) {
    try {
      return shared.get(waitLimitNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return new Failed(
          new KeystoneUnavailableException(
              "another request's validation of the same token took longer than failover_deadline ("
                  + waitLimit.toMillis()
                  + " ms)",
              WAIT_RETRY_AFTER));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Failed(
          new KeystoneUnavailableException(
              "interrupted while waiting for another request's validation of the same token",
              WAIT_RETRY_AFTER));
    } catch (ExecutionException e) {
      // Never: the future is only ever completed normally (see validate).
      throw new IllegalStateException("a shared validation failed unexpectedly", e);
    }
  }

  /** Number of valid identities cached; for tests and metrics. */
  public long estimatedSize() {
    valid.cleanUp();
    return valid.estimatedSize();
  }

  /** Number of invalid answers cached; for metrics. */
  public long invalidSize() {
    Cache<TokenKey, TokenValidation.Invalid> refused = invalid;
    if (refused == null) {
      return 0;
    }
    refused.cleanUp();
    return refused.estimatedSize();
  }

  /**
   * Requests answered from the cache of valid identities (also when the identity had expired
   * meanwhile and the answer was "token expired").
   */
  public long hits() {
    return hits.sum();
  }

  /** Requests answered from the cache of invalid answers. */
  public long invalidHits() {
    return invalidHits.sum();
  }

  /** Requests that found no cached answer: each joined a validation in flight or asked Keystone. */
  public long misses() {
    return misses.sum();
  }

  /** Misses that waited for another request's validation of the same token (single flight). */
  public long joins() {
    return joins.sum();
  }

  /** Valid identities pushed out because the cache was full ({@code token_cache_max_entries}). */
  public long evictions() {
    return evictions.sum();
  }

  /** Valid identities dropped because their time was up (TTL or the token's expiry). */
  public long expirations() {
    return expirations.sum();
  }

  /**
   * A cached answer still good now, or null.
   *
   * @param count whether this lookup counts as a hit or miss (the second look of a loader does not)
   */
  private @Nullable TokenValidation lookup(AuthToken token, TokenKey key, boolean count) {
    Cached hit = valid.getIfPresent(key);
    if (hit != null) {
      if (count) {
        hits.increment();
      }
      if (token.allowExpired() || !hit.valid().identity().isExpiredAt(clock.instant())) {
        return hit.valid();
      }
      valid.asMap().remove(key, hit);
      return new TokenValidation.Invalid("token expired");
    }
    Cache<TokenKey, TokenValidation.Invalid> refused = invalid;
    TokenValidation.@Nullable Invalid no = refused == null ? null : refused.getIfPresent(key);
    if (count) {
      (no != null ? invalidHits : misses).increment();
    }
    return no;
  }

  private void remember(TokenKey key, AuthToken token, Outcome outcome) {
    if (!(outcome instanceof Answered answered)) {
      return; // unavailability is never kept
    }
    if (answered.validation() instanceof TokenValidation.Valid v) {
      valid.put(key, new Cached(v, token.allowExpired()));
    } else if (answered.validation() instanceof TokenValidation.Invalid no && invalid != null) {
      invalid.put(key, no);
    }
  }

  private Outcome load(AuthToken token) {
    try {
      return new Answered(delegate.validate(token));
    } catch (KeystoneUnavailableException e) {
      return new Failed(e);
    } catch (RuntimeException e) {
      // Whoever waits must not wait forever; they get the same unavailability.
      return new Failed(
          new KeystoneUnavailableException(
              "token validation failed: " + e.getClass().getName(), null));
    }
  }

  private static Ticker ticker(Clock clock) {
    return () -> {
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };
  }

  /** {@code duration} in nanoseconds, {@link Long#MAX_VALUE} (about 292 years) at most. */
  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException tooLong) {
      return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** A valid identity in the cache, and whether it was asked about with allow_expired. */
  private record Cached(TokenValidation.Valid valid, boolean allowExpired) {}

  /** What one trip to the delegate gave. */
  private sealed interface Outcome permits Answered, Failed {}

  private record Answered(TokenValidation validation) implements Outcome {}

  private record Failed(KeystoneUnavailableException cause) implements Outcome {
    /** A fresh exception per waiting request, so stacks point at the request that throws. */
    KeystoneUnavailableException copy() {
      return new KeystoneUnavailableException(cause.getMessage(), cause.retryAfter());
    }
  }

  /**
   * Until the TTL, the token's expiry (not for allow_expired) or the answer's usableUntil,
   * whichever is first.
   */
  private static final class ValidExpiry implements Expiry<TokenKey, Cached> {
    private final long ttlNanos;
    private final Clock clock;

    ValidExpiry(Duration ttl, Clock clock) {
      this.ttlNanos = saturatedNanos(ttl);
      this.clock = clock;
    }

    @Override
    public long expireAfterCreate(TokenKey key, Cached value, long currentTime) {
      Instant now = clock.instant();
      long nanos = ttlNanos;
      if (!value.allowExpired()) { // else the token may be expired already: that is the point
        nanos =
            Math.min(
                nanos, saturatedNanos(Duration.between(now, value.valid().identity().expiresAt())));
      }
      Instant usableUntil = value.valid().usableUntil();
      if (usableUntil != null) {
        nanos = Math.min(nanos, saturatedNanos(Duration.between(now, usableUntil)));
      }
      return Math.max(0, nanos);
    }

    @Override
    public long expireAfterUpdate(
        TokenKey key, Cached value, long currentTime, long currentDuration) {
      return expireAfterCreate(key, value, currentTime);
    }

    @Override
    public long expireAfterRead(
        TokenKey key, Cached value, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
