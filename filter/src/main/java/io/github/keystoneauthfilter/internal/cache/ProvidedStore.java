package io.github.keystoneauthfilter.internal.cache;

import io.github.keystoneauthfilter.spi.SharedCacheStore;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SharedStore} on a {@link SharedCacheStore} from a provider module (Redis), held to the
 * same rules as memcached: each call waits at most {@code timeout} (a late call is cancelled), and
 * a store that fails or is late is skipped for {@code deadRetry} ({@link StoreHealth}). A store
 * that throws instead of failing its stage counts as failing too.
 */
public final class ProvidedStore implements SharedStore {
  private static final System.Logger LOG = System.getLogger(ProvidedStore.class.getName());

  private final SharedCacheStore store;
  private final long timeoutNanos;
  private final LongAdder failures = new LongAdder();
  private final StoreHealth health;

  /**
   * Wraps {@code store}.
   *
   * @param label what log lines call the store, e.g. {@code redis redis://10.0.0.5:6379}
   * @param store the provider's store, closed with this one
   * @param timeout the longest wait for one call
   * @param deadRetry how long a failing store is skipped
   */
  public ProvidedStore(String label, SharedCacheStore store, Duration timeout, Duration deadRetry) {
    this(label, store, timeout, deadRetry, System::nanoTime);
  }

  ProvidedStore(
      String label,
      SharedCacheStore store,
      Duration timeout,
      Duration deadRetry,
      LongSupplier nanoTime) {
    this.store = store;
    this.timeoutNanos = Math.max(1, timeout.toNanos());
    this.health = new StoreHealth(label, deadRetry, nanoTime, failures);
  }

  @Override
  public byte @Nullable [] get(String key) {
    return call(() -> store.get(key).toCompletableFuture());
  }

  @Override
  public void set(String key, byte[] value, int ttlSeconds) {
    call(
        () ->
            store
                .set(key, value, Duration.ofSeconds(Math.max(1, ttlSeconds)))
                .toCompletableFuture()
                .thenApply(ignored -> null));
  }

  /** The call's answer, or null when skipped, failed or late (the last two count as failures). */
  private byte @Nullable [] call(Supplier<CompletableFuture<byte @Nullable []>> call) {
    if (!health.admit()) {
      return null;
    }
    CompletableFuture<byte @Nullable []> pending = null;
    try {
      pending = call.get();
      byte[] answer = pending.get(timeoutNanos, TimeUnit.NANOSECONDS);
      health.answered();
      return answer;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      health.failed(cause != null ? cause : e);
    } catch (TimeoutException | RuntimeException e) {
      health.failed(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (pending != null) {
      pending.cancel(false);
    }
    return null;
  }

  @Override
  public long failures() {
    return failures.sum();
  }

  /** Whether the store is being skipped now; for tests. */
  public boolean skipping() {
    return health.skipped();
  }

  @Override
  public void close() {
    try {
      store.close();
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, "closing the shared cache store failed: {0}", e.toString());
    }
  }
}
