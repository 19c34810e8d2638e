package io.github.keystoneauthfilter.internal.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.spi.SharedCacheStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A provider's store (Redis) under memcached's rules: a late, failing or throwing store costs a
 * call at most the timeout, is counted, and is then skipped for dead_retry, with one probe after
 * that.
 */
class ProvidedStoreTest {
  private static final Duration TIMEOUT = Duration.ofMillis(50);
  private static final Duration DEAD_RETRY = Duration.ofSeconds(2);

  /** What the next call does. */
  private enum Behaviour {
    ANSWER,
    HANG,
    FAIL,
    THROW
  }

  /** A store whose calls answer, never complete, fail or throw, as told; it records its calls. */
  private static final class ScriptedStore implements SharedCacheStore {
    Behaviour behaviour = Behaviour.ANSWER;
    final List<String> calls = new ArrayList<>();
    final List<CompletableFuture<?>> pending = new ArrayList<>();
    final java.util.Map<String, byte[]> values = new java.util.HashMap<>();
    boolean closed;

    private <T> CompletionStage<T> answer(String call, T value) {
      calls.add(call);
      return switch (behaviour) {
        case ANSWER -> CompletableFuture.completedFuture(value);
        case HANG -> {
          CompletableFuture<T> never = new CompletableFuture<>();
          pending.add(never);
          yield never;
        }
        case FAIL -> CompletableFuture.failedFuture(new IllegalStateException("ERR from store"));
        case THROW -> throw new IllegalStateException("thrown by store");
      };
    }

    @Override
    public CompletionStage<byte @Nullable []> get(String key) {
      return answer("get " + key, values.get(key));
    }

    @Override
    public CompletionStage<?> set(String key, byte[] value, Duration ttl) {
      CompletionStage<String> stage = answer("set " + key + " " + ttl.toSeconds(), "OK");
      if (behaviour == Behaviour.ANSWER) {
        values.put(key, value);
      }
      return stage;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private final ScriptedStore backend = new ScriptedStore();
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final ProvidedStore store =
      new ProvidedStore("Redis test", backend, TIMEOUT, DEAD_RETRY, now::get);

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void anAnsweringStore_storesWithItsTtl_andServes() {
    store.set("k", bytes("v"), 30);
    assertArrayEquals(bytes("v"), store.get("k"));
    assertNull(store.get("other"));
    assertEquals(List.of("set k 30", "get k", "get other"), backend.calls);
    assertEquals(0, store.failures());
    store.close();
    assertTrue(backend.closed);
  }

  @Test
  void aHungStore_costsOneTimeout_isCancelled_thenSkippedUntilDeadRetry() {
    backend.behaviour = Behaviour.HANG;
    assertNull(store.get("k"), "a late answer is a miss");
    assertEquals(1, store.failures());
    assertTrue(backend.pending.get(0).isCancelled(), "the late call is cancelled");
    assertTrue(store.skipping());

    // Skipped: no call reaches the store, no wait, nothing counted.
    for (int i = 0; i < 100; i++) {
      assertNull(store.get("k"));
      store.set("k", bytes("v"), 30);
    }
    assertEquals(1, backend.calls.size());
    assertEquals(1, store.failures());

    // After dead_retry, one probe; it hangs too, so skipping goes on.
    now.addAndGet(DEAD_RETRY.toNanos());
    assertNull(store.get("k"));
    assertNull(store.get("k"));
    assertEquals(2, backend.calls.size());
    assertEquals(2, store.failures());

    // Answering again: used again after the next dead_retry.
    backend.behaviour = Behaviour.ANSWER;
    now.addAndGet(DEAD_RETRY.toNanos());
    store.set("k", bytes("v"), 30);
    assertFalse(store.skipping());
    assertArrayEquals(bytes("v"), store.get("k"));
  }

  @Test
  void anErrorAnswer_isAMiss_countedAndSkipped() {
    backend.behaviour = Behaviour.FAIL;
    store.set("k", bytes("v"), 30);
    assertEquals(1, store.failures());
    assertNull(store.get("k"));
    assertEquals(1, backend.calls.size(), "skipped after the failure");
  }

  @Test
  void aThrowingStore_isAMiss_countedAndSkipped() {
    backend.behaviour = Behaviour.THROW;
    assertNull(store.get("k"));
    assertEquals(1, store.failures());
    assertTrue(store.skipping());
  }
}
