package io.github.keystoneauthfilter.internal.token;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * No Keystone endpoint gave a definite answer. Never cached; the filter answers 503 (or passes the
 * request as {@code X-Identity-Status: Invalid} with {@code delay_auth_decision}).
 *
 * <p>The message lists each endpoint and why it gave no answer; it never holds a token.
 */
public final class KeystoneUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient @Nullable Duration retryAfter;

  /**
   * Creates the exception.
   *
   * @param message each endpoint and why it gave no answer
   * @param retryAfter when it is worth trying again (the earliest half-open), or null if unknown
   */
  public KeystoneUnavailableException(String message, @Nullable Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  /** Each endpoint and why it gave no answer; never null (the constructor sets it). */
  @Override
  public String getMessage() {
    return Objects.requireNonNull(super.getMessage());
  }

  /** How long until an endpoint may be tried again, or null when that is not known. */
  public @Nullable Duration retryAfter() {
    return retryAfter;
  }
}
