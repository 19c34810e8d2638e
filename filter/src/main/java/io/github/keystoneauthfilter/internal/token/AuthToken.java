package io.github.keystoneauthfilter.internal.token;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A token as a client sent it, surrounding whitespace removed, and how to check it: normally, or
 * with {@code allow_expired} (an expired user token accompanied by a valid service token).
 *
 * <p>The raw value is reachable only through {@link #value()}, which the Keystone client needs to
 * put it on the wire; {@link #toString()} is redacted and {@link #hash()} (lower-case hex SHA-256,
 * as keystonemiddleware keys its cache) is what caches and logs use.
 */
public final class AuthToken {
  private static final HexFormat HEX = HexFormat.of();

  private final String value;
  private final String hash;
  private final boolean allowExpired;

  private AuthToken(String value, String hash, boolean allowExpired) {
    this.value = value;
    this.hash = hash;
    this.allowExpired = allowExpired;
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
    return new AuthToken(trimmed, sha256Hex(trimmed), false);
  }

  /**
   * The same token, to be checked with {@code allow_expired=1}: Keystone then answers for an
   * expired token too, and no local expiry check applies.
   */
  public AuthToken allowingExpired() {
    return allowExpired ? this : new AuthToken(value, hash, true);
  }

  /** Whether an expired token is acceptable (see {@link #allowingExpired()}). */
  public boolean allowExpired() {
    return allowExpired;
  }

  /**
   * The cache key: {@link #hash()}, plus a suffix when {@link #allowExpired()}, since the answer
   * differs.
   */
  public String cacheKey() {
    return allowExpired ? hash + "+allow_expired" : hash;
  }

  /** The token itself, for the Keystone request only. Never log it. */
  public String value() {
    return value;
  }

  /** Lower-case hex SHA-256 of the token: the cache key and the only form fit for a log line. */
  public String hash() {
    return hash;
  }

  /** The first 8 hex digits of {@link #hash()}, enough to correlate log lines. */
  public String hashPrefix() {
    return hash.substring(0, 8);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof AuthToken that
        && value.equals(that.value)
        && allowExpired == that.allowExpired;
  }

  @Override
  public int hashCode() {
    return Objects.hash(hash, allowExpired);
  }

  @Override
  public String toString() {
    return "AuthToken[sha256=" + hashPrefix() + "…" + (allowExpired ? ", allow_expired" : "") + "]";
  }

  private static String sha256Hex(String value) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HEX.formatHex(digest.digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
