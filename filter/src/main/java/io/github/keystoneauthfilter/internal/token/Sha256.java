package io.github.keystoneauthfilter.internal.token;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * SHA-256 of a token without allocating on the way: each hasher keeps its {@link MessageDigest}, a
 * buffer for the token's bytes and one for the digest, and hashers are reused from a small pool.
 *
 * <p>The pool is an array of slots picked by the thread's id; a thread takes the hasher out of its
 * slot (so no two threads share one), uses it and puts it back. A thread that finds its slot empty
 * (another thread with the same slot is hashing, or the slot was never filled) makes a new hasher,
 * and puts it back afterwards if the slot is still empty. Unlike a {@link ThreadLocal}, this costs
 * nothing per thread, so virtual threads (one per request) reuse hashers too.
 *
 * <p>The bytes hashed are the token's UTF-8 bytes, as keystonemiddleware hashes them: a token of
 * ASCII characters (every Keystone token) is copied character by character into the buffer; any
 * other goes through {@link String#getBytes}.
 */
final class Sha256 {
  /** Slots: a power of two, several per core so that threads rarely meet in one. */
  private static final int SLOTS =
      Integer.highestOneBit(Math.max(4, Runtime.getRuntime().availableProcessors() * 4) - 1) << 1;

  private static final AtomicReferenceArray<Sha256> POOL = new AtomicReferenceArray<>(SLOTS);

  /** Bytes fed to the digest at a time. */
  private static final int CHUNK = 256;

  private final MessageDigest digest;
  private final byte[] chunk = new byte[CHUNK];
  private final byte[] out = new byte[32];
  private final ByteBuffer outView = ByteBuffer.wrap(out);

  private Sha256() {
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** The key of {@code token}: the SHA-256 of its UTF-8 bytes. */
  static TokenKey key(String token, boolean allowExpired) {
    // Thread.getId(): threadId() is Java 19+, and this compiles for Java 17.
    int slot = (int) Thread.currentThread().getId() & (SLOTS - 1);
    Sha256 hasher = POOL.getAndSet(slot, null);
    if (hasher == null) {
      hasher = new Sha256();
    }
    TokenKey key = hasher.hash(token, allowExpired);
    POOL.compareAndSet(slot, null, hasher);
    return key;
  }

  private TokenKey hash(String token, boolean allowExpired) {
    digest.reset();
    if (!feedAscii(token)) {
      digest.reset();
      digest.update(token.getBytes(StandardCharsets.UTF_8));
    }
    try {
      digest.digest(out, 0, out.length);
    } catch (DigestException e) {
      throw new IllegalStateException("a 32-byte buffer holds a SHA-256 digest", e);
    }
    return new TokenKey(
        outView.getLong(0),
        outView.getLong(8),
        outView.getLong(16),
        outView.getLong(24),
        allowExpired);
  }

  /** Feeds the token's characters as bytes; false (and the digest dirty) at a non-ASCII one. */
  private boolean feedAscii(String token) {
    int length = token.length();
    for (int start = 0; start < length; start += CHUNK) {
      int n = Math.min(CHUNK, length - start);
      for (int i = 0; i < n; i++) {
        char c = token.charAt(start + i);
        if (c >= 0x80) {
          return false;
        }
        chunk[i] = (byte) c;
      }
      digest.update(chunk, 0, n);
    }
    return true;
  }
}
