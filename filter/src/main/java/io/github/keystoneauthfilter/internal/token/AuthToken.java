package io.github.keystoneauthfilter.internal.token;

import org.jspecify.annotations.Nullable;

/**
 * A token as a client sent it, surrounding whitespace removed, and how to check it: normally, or
 * with {@code allow_expired} (an expired user token accompanied by a valid service token).
 *
 * <p>The raw value is reachable only through {@link #value()}, which the Keystone client needs to
 * put it on the wire; {@link #toString()} is redacted; {@link #cacheKey()} (the SHA-256, as
 * keystonemiddleware keys its cache) is what caches use, and {@link #hash()} (its lower-case hex
 * form, made when first asked for) what logs and the shared cache use.
 */
public final class AuthToken {
  private final String value;
  private final TokenKey key;

  /** {@link #hash()}, once asked for (a race makes it twice, the same string). */
  private @Nullable String hex;

  private AuthToken(String value, TokenKey key) {
    this.value = value;
    this.key = key;
  }

  /**
   * Wraps a header value.
   *
   * @throws IllegalArgumentException if the value is blank once trimmed
   */
  public static AuthToken of(String headerValue) {
    String trimmed = headerValue.strip();
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("a token must not be blank");
    }
    return new AuthToken(trimmed, Sha256.key(trimmed, false));
  }

  /**
   * The same token, to be checked with {@code allow_expired=1}: Keystone then answers for an
   * expired token too, and no local expiry check applies.
   */
  public AuthToken allowingExpired() {
    return key.allowExpired() ? this : new AuthToken(value, key.allowingExpired());
  }

  /** Whether an expired token is acceptable (see {@link #allowingExpired()}). */
  public boolean allowExpired() {
    return key.allowExpired();
  }

  /**
   * The cache key: the token's SHA-256 and whether {@link #allowExpired()}, since the answer
   * differs.
   */
  public TokenKey cacheKey() {
    return key;
  }

  /** The token itself, for the Keystone request only. Never log it. */
  public String value() {
    return value;
  }

  /** Lower-case hex SHA-256 of the token: the cache key and the only form fit for a log line. */
  public String hash() {
    String known = hex;
    if (known == null) {
      known = key.hex();
      hex = known;
    }
    return known;
  }

  /** The first 8 hex digits of {@link #hash()}, enough to correlate log lines. */
  public String hashPrefix() {
    return hash().substring(0, 8);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof AuthToken that
        && value.equals(that.value)
        && key.allowExpired() == that.key.allowExpired();
  }

  @Override
  public int hashCode() {
    return key.hashCode();
  }

  @Override
  public String toString() {
    return "AuthToken[sha256="
        + hashPrefix()
        + "…"
        + (key.allowExpired() ? ", allow_expired" : "")
        + "]";
  }
}
