package io.github.keystoneauthfilter.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.github.keystoneauthfilter.token.AuthToken;
import io.github.keystoneauthfilter.token.KeystoneUnavailableException;
import io.github.keystoneauthfilter.token.TokenValidation;
import io.github.keystoneauthfilter.token.TokenValidator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;

/**
 * Caches what a delegate validator says, keyed by the token's SHA-256.
 *
 * <ul>
 *   <li>A valid identity lives {@code min(ttl, expires_at - now)}; its expiry is checked again on
 *       every hit, so an expired token is never served.
 *   <li>An invalid answer is not kept (keystonemiddleware keeps none either).
 *   <li>"Keystone unavailable" is never kept.
 *   <li>Single flight: while one request asks Keystone about a token, the others carrying the same
 *       token wait for that answer instead of asking too (and share a failure, too).
 * </ul>
 *
 * <p>The request that finds no entry asks the delegate on its own thread; there is no executor.
 * Failures travel as values, not as exceptionally completed futures, so Caffeine neither logs them
 * nor keeps them.
 */
public final class TokenCache implements TokenValidator {
  private final TokenValidator delegate;
  private final Clock clock;
  private final AsyncCache<String, Outcome> cache;

  /**
   * Creates the cache.
   *
   * @param delegate where answers come from on a miss
   * @param ttl the longest a valid identity is kept; zero keeps nothing (requests in flight are
   *     still shared)
   * @param maxEntries the most identities kept
   * @param clock the time source, also used as the cache's ticker
   */
  public TokenCache(TokenValidator delegate, Duration ttl, long maxEntries, Clock clock) {
    this.delegate = delegate;
    this.clock = clock;
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maxEntries)
            .ticker(ticker(clock))
            .executor(Runnable::run)
            .expireAfter(new OutcomeExpiry(ttl, clock))
            .buildAsync();
  }

  @Override
  public TokenValidation validate(AuthToken token) {
    String key = token.hash();
    ConcurrentMap<String, CompletableFuture<Outcome>> map = cache.asMap();
    CompletableFuture<Outcome> mine = new CompletableFuture<>();
    CompletableFuture<Outcome> existing = map.putIfAbsent(key, mine);
    Outcome outcome;
    if (existing == null) {
      try {
        outcome = load(token);
      } catch (Error e) {
        // Never leave the waiters (and the entry) on a future that cannot complete.
        mine.complete(
            new Failed(
                new KeystoneUnavailableException(
                    "token validation failed: " + e.getClass().getName(), null)));
        throw e;
      }
      mine.complete(outcome);
    } else {
      outcome = existing.join(); // never completed exceptionally: see load
    }
    if (outcome instanceof Failed failed) {
      throw failed.copy();
    }
    TokenValidation answer = ((Answered) outcome).validation();
    if (answer instanceof TokenValidation.Valid valid
        && valid.identity().isExpiredAt(clock.instant())) {
      map.remove(key, existing == null ? mine : existing);
      return new TokenValidation.Invalid("token expired");
    }
    return answer;
  }

  /** Number of entries, including requests in flight; for tests and metrics. */
  public long estimatedSize() {
    return cache.synchronous().estimatedSize();
  }

  private Outcome load(AuthToken token) {
    try {
      return new Answered(delegate.validate(token));
    } catch (KeystoneUnavailableException e) {
      return new Failed(e);
    } catch (RuntimeException e) {
      // Whoever waits must not wait forever; they get the same unavailability.
      return new Failed(new KeystoneUnavailableException("token validation failed: " + e, null));
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

  /** What one trip to the delegate gave. */
  private sealed interface Outcome permits Answered, Failed {}

  private record Answered(TokenValidation validation) implements Outcome {}

  private record Failed(KeystoneUnavailableException cause) implements Outcome {
    /** A fresh exception per waiting request, so stacks point at the request that throws. */
    KeystoneUnavailableException copy() {
      return new KeystoneUnavailableException(cause.getMessage(), cause.retryAfter());
    }
  }

  /** Valid: until the TTL or the token's expiry, whichever is first. Anything else: not kept. */
  private static final class OutcomeExpiry implements Expiry<String, Outcome> {
    private final long ttlNanos;
    private final Clock clock;

    OutcomeExpiry(Duration ttl, Clock clock) {
      this.ttlNanos = saturatedNanos(ttl);
      this.clock = clock;
    }

    @Override
    public long expireAfterCreate(String key, Outcome value, long currentTime) {
      if (value instanceof Answered answered
          && answered.validation() instanceof TokenValidation.Valid valid) {
        long untilExpiry =
            saturatedNanos(Duration.between(clock.instant(), valid.identity().expiresAt()));
        return Math.max(0, Math.min(ttlNanos, untilExpiry));
      }
      return 0;
    }

    @Override
    public long expireAfterUpdate(
        String key, Outcome value, long currentTime, long currentDuration) {
      return expireAfterCreate(key, value, currentTime);
    }

    @Override
    public long expireAfterRead(String key, Outcome value, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
