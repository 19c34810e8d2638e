package io.github.keystoneauthfilter.internal.token;

import java.util.HexFormat;

/**
 * A token's cache key: its SHA-256 (as four big-endian longs, 32 bytes, no text form kept) and
 * whether it is asked about with {@code allow_expired}, since the answer differs. Holds nothing of
 * the token itself, so a cache full of keys reveals no token. Compared by value; 56 bytes on a
 * 64-bit JVM with compressed pointers, against 104 for the 64-character hex string it replaces.
 *
 * @param h0 bytes 0-7 of the digest
 * @param h1 bytes 8-15
 * @param h2 bytes 16-23
 * @param h3 bytes 24-31
 * @param allowExpired whether the token is checked with {@code allow_expired}
 */
public record TokenKey(long h0, long h1, long h2, long h3, boolean allowExpired) {
  private static final HexFormat HEX = HexFormat.of();

  /** The same digest, with {@code allow_expired} set. */
  public TokenKey allowingExpired() {
    return allowExpired ? this : new TokenKey(h0, h1, h2, h3, true);
  }

  /** The digest as 64 lower-case hex digits, as keystonemiddleware writes it. */
  public String hex() {
    return HEX.toHexDigits(h0) + HEX.toHexDigits(h1) + HEX.toHexDigits(h2) + HEX.toHexDigits(h3);
  }

  /** The digest is uniformly spread already: its first bits make a good hash code. */
  @Override
  public int hashCode() {
    return (int) (h0 ^ (h0 >>> 32)) ^ (allowExpired ? 1 : 0);
  }

  /** Redacted to what logs may show: the first 8 hex digits. */
  @Override
  public String toString() {
    return "TokenKey[sha256="
        + HEX.toHexDigits((int) (h0 >>> 32))
        + "…"
        + (allowExpired ? ", allow_expired" : "")
        + "]";
  }
}
