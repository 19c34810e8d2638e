package io.github.keystoneauthfilter.internal.endpoint;

import io.github.keystoneauthfilter.internal.log.LogThrottle;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.KeystoneUnavailableException;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds how many validations may be in flight to Keystone at once. The request over the limit is
 * not queued: it fails at once as "Keystone unavailable" (503 with {@code Retry-After: 1}), so a
 * flood of new or random tokens cannot pile up threads behind a slow Keystone nor overload it.
 * Placed after the cache, so cache hits and requests sharing an in-flight validation never count.
 */
public final class Bulkhead implements TokenValidator {
  private static final System.Logger LOG = System.getLogger(Bulkhead.class.getName());

  private final TokenValidator delegate;
  private final Semaphore permits;
  private final int limit;
  private final LogThrottle refusalLog = new LogThrottle(Duration.ofMinutes(1));
  private final AtomicLong refused = new AtomicLong();

  /**
   * Creates the bulkhead.
   *
   * @param delegate the validator that calls Keystone
   * @param limit the most validations in flight at once, at least 1
   */
  public Bulkhead(TokenValidator delegate, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1 but was " + limit);
    }
    this.delegate = delegate;
    this.limit = limit;
    this.permits = new Semaphore(limit);
  }

  @Override
  public TokenValidation validate(AuthToken token) {
    if (!permits.tryAcquire()) {
      long total = refused.incrementAndGet();
      if (refusalLog.allow()) {
        LOG.log(
            Level.WARNING,
            "{0} Keystone validations already in flight (max_concurrent_validations); refusing"
                + " more with 503 ({1} refused so far; logged at most once a minute)",
            limit,
            total);
      }
      throw new KeystoneUnavailableException(
          "too many Keystone validations in flight (" + limit + ")", Duration.ofSeconds(1));
    }
    try {
      return delegate.validate(token);
    } finally {
      permits.release();
    }
  }

  /** Requests refused since start because the limit was reached. */
  public long refused() {
    return refused.get();
  }
}
