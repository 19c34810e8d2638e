package io.github.keystoneauthfilter.internal.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The token's key and hash, computed with pooled digests and a byte buffer, are the SHA-256 of the
 * token's UTF-8 bytes, as keystonemiddleware computes it.
 */
class AuthTokenTest {
  private static String reference(String token) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a",
        "gAAAAABnZ1x-fernet-like_token-with-dashes_and_underscores==",
        "caf\u00e9", // non-ASCII: not through the byte buffer
        "\u4ee4\u724c",
        "emoji-\ud83d\udd11-token",
        "ascii-then-\u00ff"
      })
  void hashWhenAnyTokenThenSha256OfUtf8Bytes(String token) throws Exception {
    AuthToken parsed = AuthToken.of(token);

    assertEquals(reference(token), parsed.hash());
    assertEquals(reference(token), parsed.cacheKey().hex());
    assertEquals(reference(token).substring(0, 8), parsed.hashPrefix());
  }

  @ParameterizedTest
  @ValueSource(ints = {255, 256, 257, 511, 512, 513, 8192})
  void hashWhenTokenSpansBufferChunksThenSha256(int length) throws Exception {
    StringBuilder token = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      token.append((char) ('!' + i % 94));
    }
    String ascii = token.toString();
    String withNonAsciiAtEnd = ascii.substring(0, length - 1) + "\u00e9";

    assertEquals(reference(ascii), AuthToken.of(ascii).hash());
    assertEquals(reference(withNonAsciiAtEnd), AuthToken.of(withNonAsciiAtEnd).hash());
  }

  @Test
  void cacheKeyWhenSameTokenThenEqualAndAllowExpiredApart() {
    AuthToken token = AuthToken.of("token-1");
    AuthToken again = AuthToken.of(" token-1 ");

    assertEquals(token.cacheKey(), again.cacheKey());
    assertEquals(token.cacheKey().hashCode(), again.cacheKey().hashCode());
    assertNotEquals(token.cacheKey(), token.allowingExpired().cacheKey());
    assertTrue(token.allowingExpired().cacheKey().allowExpired());
    assertEquals(token.hash(), token.allowingExpired().hash());
    assertNotEquals(token.cacheKey(), AuthToken.of("token-2").cacheKey());
  }

  @Test
  void toStringWhenKeyOrTokenThenNoTokenAndNoFullHash() {
    String secret = "gAAAAAsecret-token-value";
    AuthToken token = AuthToken.of(secret).allowingExpired();

    for (String text : List.of(token.toString(), token.cacheKey().toString())) {
      assertFalse(text.contains(secret), text);
      assertFalse(text.contains(token.hash()), text);
      assertTrue(text.contains(token.hashPrefix()), text);
      assertTrue(text.contains("allow_expired"), text);
    }
  }

  /** Threads hashing at the same time never share a pooled digest: every hash stays right. */
  @Test
  void hashWhenManyThreadsAtOnceThenEveryHashRight() throws Exception {
    int threads = 16;
    int perThread = 2_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  int wrong = 0;
                  for (int i = 0; i < perThread; i++) {
                    String token = "token-" + thread + "-" + i + "-" + "x".repeat(i % 300);
                    if (!AuthToken.of(token).hash().equals(reference(token))) {
                      wrong++;
                    }
                  }
                  return wrong;
                }));
      }
      start.countDown();
      for (Future<Integer> result : results) {
        assertEquals(0, result.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
