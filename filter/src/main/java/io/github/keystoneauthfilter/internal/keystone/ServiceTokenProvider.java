package io.github.keystoneauthfilter.internal.keystone;

import io.github.keystoneauthfilter.internal.endpoint.Deadline;
import io.github.keystoneauthfilter.internal.endpoint.EndpointFailureException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The filter's own token at one endpoint: logged in on first use, renewed before it expires (within
 * two minutes of expiry, as keystoneauth does, or half its lifetime if that is shorter) and after
 * Keystone rejects it. One login at a time per endpoint; a caller waits for it no longer than its
 * deadline.
 */
final class ServiceTokenProvider {
  private static final Duration RENEW_MARGIN = Duration.ofMinutes(2);

  /** Logs in; implemented by {@link KeystoneClient}. */
  @FunctionalInterface
  interface Login {
    ServiceToken login(Deadline deadline) throws EndpointFailureException;
  }

  /**
   * A service token and when to renew it. {@link #toString()} is redacted.
   *
   * @param value the token
   * @param renewAt when to log in again
   */
  record ServiceToken(String value, Instant renewAt) {
    @Override
    public String toString() {
      return "ServiceToken[renewAt=" + renewAt + "]";
    }
  }

  private final URI endpoint;
  private final Login login;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile @Nullable ServiceToken current;

  ServiceTokenProvider(URI endpoint, Login login, Clock clock) {
    this.endpoint = endpoint;
    this.login = login;
    this.clock = clock;
  }

  /** When a token issued now and expiring at {@code expiresAt} should be renewed. */
  static Instant renewAt(Instant now, Instant expiresAt) {
    Duration lifetime = Duration.between(now, expiresAt);
    Duration margin =
        lifetime.dividedBy(2).compareTo(RENEW_MARGIN) < 0 ? lifetime.dividedBy(2) : RENEW_MARGIN;
    return expiresAt.minus(margin);
  }

  /** A usable service token, logging in if there is none or it is due for renewal. */
  ServiceToken get(Deadline deadline) throws EndpointFailureException {
    ServiceToken token = current;
    if (token != null && clock.instant().isBefore(token.renewAt())) {
      return token;
    }
    try {
      if (!lock.tryLock(deadline.remaining().toNanos(), TimeUnit.NANOSECONDS)) {
        throw new EndpointFailureException(
            EndpointFailureException.Kind.UNAVAILABLE,
            endpoint,
            "timed out waiting for another request's service login");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EndpointFailureException(
          EndpointFailureException.Kind.UNAVAILABLE, endpoint, "interrupted waiting for login");
    }
    try {
      token = current;
      if (token != null && clock.instant().isBefore(token.renewAt())) {
        return token;
      }
      token = login.login(deadline);
      current = token;
      return token;
    } finally {
      lock.unlock();
    }
  }

  /** Forgets {@code rejected} (Keystone answered 401 to it), unless it was already replaced. */
  @SuppressWarnings("ReferenceEquality") // that very token, not an equal one fetched since
  void invalidate(ServiceToken rejected) {
    lock.lock();
    try {
      if (current == rejected) {
        current = null;
      }
    } finally {
      lock.unlock();
    }
  }
}
