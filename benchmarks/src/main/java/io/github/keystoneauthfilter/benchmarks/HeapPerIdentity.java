package io.github.keystoneauthfilter.benchmarks;

import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.openjdk.jol.info.GraphLayout;

/**
 * Heap per cached identity, catalog off: a fake Keystone issues N tokens (default 100,000) shaped
 * like the real Keystone's demo token (project scope, two roles, domain {@code Default}, no
 * catalog); each goes once through the filter ({@code include_service_catalog=false}, cache big
 * enough for all); the heap in use after a full GC is compared before and after, and again after
 * the filter is dropped. The fake Keystone, its tokens and the token strings exist in all three
 * measurements, so they cancel out. JOL's walk of the identity cache's object graph is printed as a
 * cross-check.
 *
 * <pre>java -Xmx4g -Djdk.attach.allowAttachSelf=true -Djol.magicFieldOffset=true \
 *   -cp benchmarks/target/benchmarks.jar \
 *   io.github.keystoneauthfilter.benchmarks.HeapPerIdentity [--tokens N] [--threads T]</pre>
 *
 * <p>(The two properties let JOL walk JDK classes on Java 17; without them only the JOL cross-check
 * is skipped.)
 *
 * <p>The last line is machine-readable: {@code RESULT tokens=N bytes_per_identity=B ...}.
 */
public final class HeapPerIdentity {
  private HeapPerIdentity() {}

  public static void main(String[] args) throws Exception {
    int n = 100_000;
    int threads = 4;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--tokens" -> n = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    try (FakeKeystone keystone = Harness.keystone()) {
      System.out.printf(Locale.ROOT, "issuing %,d tokens on the fake Keystone...%n", n);
      String[] tokens = new String[n];
      for (int i = 0; i < n; i++) {
        tokens[i] = keystone.issue(Harness.demoLikeFixture(false));
      }
      Loaded loaded = load(keystone, tokens, threads, memory);
      // The filter is unreachable now: what it held is gone after a GC.
      long dropped = usedAfterGc(memory);

      double perIdentity = (loaded.after - loaded.before) / (double) n;
      double perIdentityDropped = (loaded.after - dropped) / (double) n;
      System.out.printf(
          Locale.ROOT,
          "validated %,d tokens in %.1f s (%,d Keystone validations); re-check: %d misses%n",
          n,
          loaded.seconds,
          loaded.validations,
          loaded.misses);
      System.out.printf(Locale.ROOT, "heap used after:  %,d bytes%n", loaded.after);
      System.out.printf(Locale.ROOT, "heap used once the filter is dropped: %,d bytes%n", dropped);
      System.out.printf(
          Locale.ROOT,
          "per cached identity: %.0f bytes (after - before), %.0f bytes (after - dropped)%n",
          perIdentity,
          perIdentityDropped);
      if (loaded.jol > 0) {
        System.out.printf(
            Locale.ROOT,
            "JOL: identity cache graph %,d bytes = %.0f bytes per identity%n",
            loaded.jol,
            loaded.jol / (double) n);
        printTopClasses(loaded.footprint, n, 15);
      }
      System.out.printf(
          Locale.ROOT,
          "RESULT tokens=%d bytes_per_identity=%.0f bytes_per_identity_dropped=%.0f"
              + " jol_bytes_per_identity=%.0f mib_per_100k=%.1f misses_on_recheck=%d%n",
          n,
          perIdentity,
          perIdentityDropped,
          loaded.jol > 0 ? loaded.jol / (double) n : -1.0,
          perIdentity * 100_000 / (1024.0 * 1024.0),
          loaded.misses);
    }
  }

  /** What {@link #load} measured. */
  private record Loaded(
      long before,
      long after,
      long jol,
      String footprint,
      double seconds,
      int validations,
      int misses) {}

  /** Starts a filter, loads every token into its cache, measures, and destroys the filter. */
  private static Loaded load(
      FakeKeystone keystone, String[] tokens, int threads, MemoryMXBean memory) throws Exception {
    int n = tokens.length;
    long max = n + 1_000L;
    KeystoneAuthFilter filter =
        Harness.filter(
            keystone,
            b ->
                b.includeServiceCatalog(false)
                    .tokenCacheTime(Harness.seconds(3600))
                    .tokenCacheMaxEntries(max));
    try {
      // Warm-up outside the measurement: service login, client pool, classes, JIT.
      for (int i = 0; i < 200; i++) {
        Harness.passOnce(filter, keystone.issue(Harness.demoLikeFixture(false)));
      }
      keystone.clearRecorded();
      long before = usedAfterGc(memory);
      System.out.printf(
          Locale.ROOT, "heap used before: %,d bytes; validating %,d tokens...%n", before, n);

      long t0 = System.nanoTime();
      AtomicInteger next = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(
            pool.submit(
                () -> {
                  for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    Harness.passOnce(filter, tokens[i]);
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
      double seconds = (System.nanoTime() - t0) / 1e9;
      int validations = keystone.validations();
      keystone.clearRecorded();
      // Every token must now be a cache hit: check one in a hundred.
      for (int i = 0; i < n; i += 100) {
        Harness.passOnce(filter, tokens[i]);
      }
      int misses = keystone.validations();
      keystone.clearRecorded();
      long after = usedAfterGc(memory);
      long jol = -1;
      String footprint = "";
      Object[] cache = identityCache(filter);
      if (cache != null) {
        try {
          GraphLayout layout = GraphLayout.parseInstance(cache);
          jol = layout.totalSize();
          footprint = layout.toFootprint();
        } catch (RuntimeException | LinkageError e) {
          System.out.println("JOL could not walk the cache: " + e);
        }
      }
      return new Loaded(before, after, jol, footprint, seconds, validations, misses);
    } finally {
      filter.destroy();
    }
  }

  /**
   * The {@code top} biggest rows of JOL's footprint table (count, average size, total, class), with
   * bytes per identity.
   */
  private static void printTopClasses(String footprint, int n, int top) {
    List<String[]> rows = new ArrayList<>();
    for (String line : footprint.lines().toList()) {
      String[] cols = line.trim().split("\\s+", 4);
      if (cols.length == 4 && cols[0].matches("\\d+") && cols[2].matches("\\d+")) {
        rows.add(cols);
      }
    }
    rows.sort((a, b) -> Long.compare(Long.parseLong(b[2]), Long.parseLong(a[2])));
    System.out.printf(
        Locale.ROOT, "%12s %8s %14s %9s  %s%n", "count", "avg B", "total B", "B/ident.", "class");
    for (String[] r : rows.subList(0, Math.min(top, rows.size()))) {
      System.out.printf(
          Locale.ROOT,
          "%12s %8s %14s %9.1f  %s%n",
          r[0],
          r[1],
          r[2],
          Long.parseLong(r[2]) / (double) n,
          r[3]);
    }
  }

  /** Heap in use after full collections, once it stops shrinking. */
  private static long usedAfterGc(MemoryMXBean memory) throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 10; i++) {
      System.gc();
      Thread.sleep(100);
      long now = memory.getHeapMemoryUsage().getUsed();
      if (now >= used - 64 * 1024) {
        return Math.min(now, used);
      }
      used = now;
    }
    return used;
  }

  /**
   * The filter's cache state, found by reflection: every field of its {@code validator} (the token
   * cache) except the delegate validator and the clock; null if not found.
   */
  private static Object @Nullable [] identityCache(KeystoneAuthFilter filter) {
    try {
      Object validator = field(filter, "validator");
      if (validator == null) {
        return null;
      }
      List<Object> roots = new ArrayList<>();
      for (Field f : validator.getClass().getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers())
            || TokenValidator.class.isAssignableFrom(f.getType())
            || Clock.class.isAssignableFrom(f.getType())) {
          continue;
        }
        f.setAccessible(true);
        Object value = f.get(validator);
        if (value != null) {
          roots.add(value);
        }
      }
      return roots.isEmpty() ? null : roots.toArray();
    } catch (ReflectiveOperationException | RuntimeException e) {
      System.out.println("identity cache not found by reflection: " + e);
      return null;
    }
  }

  private static @Nullable Object field(Object owner, String name)
      throws ReflectiveOperationException {
    Field f = owner.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(owner);
  }
}
