package io.github.keystoneauthfilter.internal.cache;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * How entries in the shared cache are named and protected: keystonemiddleware's {@code
 * memcache_security_strategy}.
 *
 * <ul>
 *   <li>{@link Mode#NONE}: the key is the token's SHA-256, the value the plain identity. Anyone who
 *       can write to memcached can forge identities: use it only on a memcached nobody else
 *       reaches.
 *   <li>{@link Mode#MAC} and {@link Mode#ENCRYPT}: {@code HMAC-SHA384(secret, token ‖ strategy)}
 *       gives 48 bytes, as in keystonemiddleware: bytes 0-15 name the entry, 16-31 key its MAC,
 *       32-47 its AES-128 key. The value is {@code Base64(HMAC-SHA384(macKey, B)) ‖ B}, with {@code
 *       B = Base64(identity)} for MAC and {@code B = Base64(IV ‖ AES-128-CBC(identity))} with a
 *       fresh random IV for ENCRYPT. Without the token and the secret an entry can be neither
 *       found, read (ENCRYPT) nor forged; a value whose MAC does not match is not trusted.
 * </ul>
 *
 * <p>Unlike keystonemiddleware, the strategy is matched without regard to case and always derived
 * from its upper-case name, so {@code encrypt} really encrypts.
 *
 * <p>The values are protected exactly as keystonemiddleware protects its own; only the entries'
 * names differ, unless {@link #keystonemiddlewareKeys} names them as keystonemiddleware does.
 */
public final class EntryProtection {
  // v2: entries hold the time until which they may be used (IdentityCodec version 2); a new name
  // makes a v1 entry left in memcached a plain miss instead of a rejected entry.
  private static final String KEY_PREFIX = "keystoneauthfilter/v2/";
  private static final int MAC_TEXT_LENGTH = 64; // Base64 of the 48-byte HMAC-SHA384
  private static final int IV_LENGTH = 16;
  private static final Base64.Encoder B64 = Base64.getEncoder();
  private static final Base64.Encoder B64_URL = Base64.getUrlEncoder().withoutPadding();

  /** keystonemiddleware's {@code memcache_security_strategy} values. */
  public enum Mode {
    /** Plain entries. */
    NONE,
    /** Signed entries. */
    MAC,
    /** Signed and encrypted entries. */
    ENCRYPT
  }

  private final Mode mode;
  private final byte @Nullable [] secret;
  private static final String KMW_KEY_PREFIX = "tokens/";
  private final SecureRandom random;

  private EntryProtection(Mode mode, byte @Nullable [] secret, SecureRandom random) {
    this.mode = mode;
    this.secret = secret;
    this.random = random;
  }

  private EntryProtection(Mode mode, byte @Nullable [] secret) {
    this(mode, secret, new SecureRandom());
  }

  /** Plain entries. */
  public static EntryProtection none() {
    return new EntryProtection(Mode.NONE, null);
  }

  /**
   * Signed ({@link Mode#MAC}) or signed and encrypted ({@link Mode#ENCRYPT}) entries.
   *
   * @throws IllegalArgumentException if the secret is empty or the mode is NONE
   */
  public static EntryProtection of(Mode mode, String secret) {
    return of(mode, secret, new SecureRandom());
  }

  /** As {@link #of(Mode, String)}, with the source of ENCRYPT's IVs (tests fix it). */
  static EntryProtection of(Mode mode, String secret, SecureRandom random) {
    if (mode == Mode.NONE) {
      throw new IllegalArgumentException("Mode.NONE takes no secret");
    }
    if (secret.isEmpty()) {
      throw new IllegalArgumentException("memcache_secret_key must not be empty");
    }
    return new EntryProtection(mode, secret.getBytes(StandardCharsets.UTF_8), random);
  }

  /** The strategy. */
  public Mode mode() {
    return mode;
  }

  /**
   * The derived keys for one token: compute once per lookup. With {@link Mode#NONE}, only the entry
   * name (from the token's SHA-256 hex, {@code tokenHash}).
   */
  Keys keys(String token, String tokenHash) {
    return derive(token, tokenHash, false);
  }

  private Keys derive(String token, String tokenHash, boolean keystonemiddlewareName) {
    if (mode == Mode.NONE) {
      return new Keys(
          (keystonemiddlewareName ? KMW_KEY_PREFIX : KEY_PREFIX) + tokenHash, null, null);
    }
    byte[] derived = hmac(secret, concat(utf8(token), utf8(mode.name())));
    try {
      byte[] nameBytes = Arrays.copyOfRange(derived, 0, 16);
      return new Keys(
          keystonemiddlewareName
              ? KMW_KEY_PREFIX + "b'" + B64.encodeToString(nameBytes) + "'"
              : KEY_PREFIX + B64_URL.encodeToString(nameBytes),
          Arrays.copyOfRange(derived, 16, 32),
          Arrays.copyOfRange(derived, 32, 48));
    } finally {
      Arrays.fill(derived, (byte) 0);
    }
  }

  /**
   * The keys for one token, with the entry named as keystonemiddleware (on Python 3) names it:
   * {@code tokens/} and the token's SHA-256 hex with {@link Mode#NONE}; else {@code tokens/b'}, the
   * standard Base64 of the first 16 derived bytes, and {@code '} (keystonemiddleware formats the
   * Base64 bytes object into its key template, so the {@code b'...'} is part of the name).
   */
  Keys keystonemiddlewareKeys(String token, String tokenHash) {
    return derive(token, tokenHash, true);
  }

  /** The stored form of {@code plain}. */
  byte[] seal(Keys keys, byte[] plain) {
    if (mode == Mode.NONE) {
      return plain;
    }
    byte[] body = mode == Mode.MAC ? plain : encrypt(keys, plain);
    byte[] b = B64.encode(body);
    byte[] mac = B64.encode(hmac(keys.macKey(), b));
    return concat(mac, b);
  }

  /** The plain form of a stored value, or null when it fails its MAC or cannot be decrypted. */
  byte @Nullable [] open(Keys keys, byte[] stored) {
    if (mode == Mode.NONE) {
      return stored;
    }
    if (stored.length <= MAC_TEXT_LENGTH) {
      return null;
    }
    byte[] b = Arrays.copyOfRange(stored, MAC_TEXT_LENGTH, stored.length);
    byte[] expected = B64.encode(hmac(keys.macKey(), b));
    if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(stored, 0, MAC_TEXT_LENGTH))) {
      return null;
    }
    byte[] body;
    try {
      body = Base64.getDecoder().decode(b);
    } catch (IllegalArgumentException notBase64) {
      return null;
    }
    return mode == Mode.MAC ? body : decrypt(keys, body);
  }

  private byte[] encrypt(Keys keys, byte[] plain) {
    byte[] iv = new byte[IV_LENGTH];
    random.nextBytes(iv);
    try {
      Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
      cipher.init(
          Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.aesKey(), "AES"), new IvParameterSpec(iv));
      return concat(iv, cipher.doFinal(plain));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-128-CBC is not available in this JVM", e);
    }
  }

  private static byte @Nullable [] decrypt(Keys keys, byte[] body) {
    if (body.length < 2 * IV_LENGTH || body.length % IV_LENGTH != 0) {
      return null;
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
      cipher.init(
          Cipher.DECRYPT_MODE,
          new SecretKeySpec(keys.aesKey(), "AES"),
          new IvParameterSpec(body, 0, IV_LENGTH));
      return cipher.doFinal(body, IV_LENGTH, body.length - IV_LENGTH);
    } catch (GeneralSecurityException badPaddingOrKey) {
      return null;
    }
  }

  private static byte[] hmac(byte @Nullable [] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA384");
      mac.init(new SecretKeySpec(java.util.Objects.requireNonNull(key), "HmacSHA384"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA384 is not available in this JVM", e);
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  @Override
  public String toString() {
    return "EntryProtection[" + mode + "]"; // never the secret
  }

  /** The entry name and, unless NONE, the MAC and AES keys derived for one token. */
  @SuppressWarnings("ArrayRecordComponent") // equals, hashCode and toString use the name only
  record Keys(String name, byte @Nullable [] macKey, byte @Nullable [] aesKey) {
    @Override
    public String toString() {
      return "Keys[" + name + "]";
    }

    @Override
    public boolean equals(@Nullable Object other) {
      return other instanceof Keys k && k.name.equals(name);
    }

    @Override
    public int hashCode() {
      return name.hashCode();
    }
  }
}
