package io.github.keystoneauthfilter.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.WeakReference;
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
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.GraphLayout;

/**
 * Heap per cached identity, catalog off: a fake Keystone issues N tokens (default 100,000) of many
 * users and projects ({@code --users}, default 1,500, over {@code --projects}, default 100; names,
 * ids and roles differ: see {@link Fleet}; no catalog); each goes once through the filter ({@code
 * include_service_catalog=false}, cache big enough for all); the heap in use after a full GC is
 * compared before and after, and again after the filter is dropped (checked: the filter must then
 * be collected). The fake Keystone, its tokens and the token strings exist in all three
 * measurements, so they cancel out. JOL's walk of what the caches hold per identity (see {@link
 * #identityCache}) is printed as a cross-check, with its biggest classes; {@code
 * --jol-earlier-roots} also prints the walk this tool used to make, which counted objects that are
 * not the cache's (benchmarks/notes/fleet.md).
 *
 * <pre>java -Xmx4g -Djdk.attach.allowAttachSelf=true -Djol.magicFieldOffset=true \
 *   -cp benchmarks/target/benchmarks.jar \
 *   io.github.keystoneauthfilter.benchmarks.HeapPerIdentity [--tokens N] [--threads T] \
 *   [--users U] [--projects P] [--jol-earlier-roots]</pre>
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
    int users = 1_500;
    int projects = 100;
    boolean jolEarlier = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--tokens" -> n = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--users" -> users = Integer.parseInt(args[++i]);
        case "--projects" -> projects = Integer.parseInt(args[++i]);
        case "--jol-earlier-roots" -> jolEarlier = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    try (FakeKeystone keystone = Harness.keystone()) {
      System.out.printf(
          Locale.ROOT,
          "issuing %,d tokens of %,d users over %,d projects on the fake Keystone...%n",
          n,
          users,
          projects);
      String[] tokens = new String[n];
      Fleet fleet = new Fleet(users, projects);
      for (int i = 0; i < n; i++) {
        tokens[i] = keystone.issue(fleet.fixture(i));
      }
      Loaded loaded = load(keystone, tokens, threads, memory, jolEarlier);
      // The filter is unreachable now: what it held is gone after a GC.
      long dropped = usedAfterGc(memory);
      boolean collected = loaded.filter().get() == null;

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
      System.out.printf(
          Locale.ROOT,
          "heap used once the filter is dropped: %,d bytes (filter collected: %s)%n",
          dropped,
          collected ? "yes" : "NO, the figure after - dropped is not valid");
      System.out.printf(
          Locale.ROOT,
          "heap delta: %.0f bytes per identity (after - before; also counts what else grew during"
              + " the load); after - dropped: %.0f bytes (not a per-identity figure:"
              + " benchmarks/notes/fleet.md)%n",
          perIdentity,
          perIdentityDropped);
      double jolPerIdentity = loaded.jol > 0 ? loaded.jol / (double) n : -1.0;
      if (loaded.jol > 0) {
        System.out.printf(
            Locale.ROOT,
            "JOL: what the caches hold, %,d bytes = %.0f bytes per identity%n",
            loaded.jol,
            jolPerIdentity);
        printTopClasses(loaded.footprint, n, 15);
      }
      // The figure: JOL's count of what the caches hold, when JOL could walk them (it counts
      // shared objects once, and nothing outside the caches); else the heap delta.
      double figure = jolPerIdentity > 0 ? jolPerIdentity : perIdentity;
      System.out.printf(
          Locale.ROOT,
          "per cached identity: %.0f bytes (%s); 1,000,000 identities: %.0f MiB%n",
          figure,
          jolPerIdentity > 0 ? "JOL" : "heap delta",
          figure * 1_000_000 / (1024.0 * 1024.0));
      System.out.printf(
          Locale.ROOT,
          "RESULT tokens=%d users=%d projects=%d bytes_per_identity=%.0f heap_delta_per_identity=%.0f"
              + " jol_bytes_per_identity=%.0f mib_per_100k=%.1f mib_per_1m=%.0f"
              + " misses_on_recheck=%d%n",
          n,
          users,
          projects,
          figure,
          perIdentity,
          jolPerIdentity,
          figure * 100_000 / (1024.0 * 1024.0),
          figure * 1_000_000 / (1024.0 * 1024.0),
          loaded.misses);
    }
  }

  /**
   * Tokens of many users and projects, as in scripts/bench-fleet.sh's Keystone: token {@code i} is
   * user {@code i mod users} ({@code fleet-uNNNN}, domain Default), scoped to project {@code user
   * mod projects} ({@code fleet-pNNN}), with one of four role sets ({@code reader}; {@code member,
   * reader}; {@code fleet-ops}; {@code fleet-audit}); ids are random hex, one per user and project.
   * Each token is parsed on its own, as every Keystone answer is.
   */
  private static final class Fleet {
    private static final String[][] ROLES = {
      {"reader"}, {"member", "reader"}, {"fleet-ops"}, {"fleet-audit"}
    };
    private final String[] userIds;
    private final String[] projectIds;

    Fleet(int users, int projects) {
      if (users < 1 || projects < 1) {
        throw new IllegalArgumentException(
            "--users and --projects must be positive (got " + users + ", " + projects + ")");
      }
      userIds = new String[users];
      projectIds = new String[projects];
      for (int i = 0; i < users; i++) {
        userIds[i] = KeystoneTokenFixture.hex();
      }
      for (int i = 0; i < projects; i++) {
        projectIds[i] = KeystoneTokenFixture.hex();
      }
    }

    KeystoneTokenFixture fixture(int token) {
      int user = token % userIds.length;
      int project = user % projectIds.length;
      return KeystoneTokenFixture.create()
          .user(userIds[user], String.format(Locale.ROOT, "fleet-u%04d", user))
          .userDomain("default", "Default")
          .project(projectIds[project], String.format(Locale.ROOT, "fleet-p%03d", project))
          .projectDomain("default", "Default")
          .roles(ROLES[user % ROLES.length]);
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
      int misses,
      WeakReference<KeystoneAuthFilter> filter) {}

  /** Starts a filter, loads every token into its cache, measures, and destroys the filter. */
  private static Loaded load(
      FakeKeystone keystone, String[] tokens, int threads, MemoryMXBean memory, boolean jolEarlier)
      throws Exception {
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
          long shells = decisionShells(filter);
          jol = layout.totalSize() + shells;
          footprint = layout.toFootprint();
          System.out.printf(
              Locale.ROOT,
              "JOL: the token cache and the header tables %,d bytes, the decisions and the decision"
                  + " cache's entries (shallow) %,d bytes%n",
              layout.totalSize(),
              shells);
        } catch (RuntimeException | LinkageError e) {
          System.out.println("JOL could not walk the cache: " + e);
        }
      }
      if (jolEarlier) {
        Object[] earlier = earlierRoots(filter);
        if (earlier != null) {
          GraphLayout layout = GraphLayout.parseInstance(earlier);
          System.out.printf(
              Locale.ROOT,
              "JOL from the earlier roots (every field of the token cache but delegate and clock):"
                  + " %,d bytes = %.0f bytes per identity; biggest classes:%n",
              layout.totalSize(),
              layout.totalSize() / (double) n);
          printTopClasses(layout.toFootprint(), n, 25);
        }
      }
      return new Loaded(
          before, after, jol, footprint, seconds, validations, misses, new WeakReference<>(filter));
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
   * What the filter keeps per cached identity, found by reflection, without the objects that merely
   * serve the caches: the token cache's Caffeine map ({@code TokenCache.valid}'s {@code data}: hash
   * table, nodes, keys, values) and frequency sketch, and each identity's header table, held by the
   * filter's decision for that identity ({@code KeystoneAuthFilter.Running.confirmed}). Walking the
   * {@code Cache} objects themselves would also walk their listeners and tickers, which lead to the
   * token cache, its delegate validator, the HTTP client's threads, and from there to unrelated
   * objects (the fake Keystone's own store of 100,000 issued tokens): see
   * benchmarks/notes/fleet.md. A decision also points at the filter, so the decision cache is not
   * walked: its header tables are, and {@link #decisionShells} adds the decisions and the decision
   * cache's entries.
   */
  private static Object @Nullable [] identityCache(KeystoneAuthFilter filter) {
    try {
      Object running = field(filter, "running");
      Object validator = running == null ? null : field(running, "validator");
      Object stages = validator == null ? null : field(validator, "stages");
      Object tokenCache = stages == null ? null : field(stages, "cache");
      Object confirmed = running == null ? null : field(running, "confirmed");
      if (tokenCache == null || !(confirmed instanceof Cache<?, ?> decisions)) {
        System.out.println(
            "identity cache not found by reflection: token cache "
                + tokenCache
                + ", decisions "
                + confirmed);
        return null;
      }
      List<Object> roots = new ArrayList<>();
      Object valid = field(tokenCache, "valid");
      Object local = valid == null ? null : field(valid, "cache");
      Object data = local == null ? null : inHierarchy(local, "data");
      if (data == null) {
        System.out.println("identity cache not found by reflection: no TokenCache.valid data");
        return null;
      }
      roots.add(data);
      Object sketch = inHierarchy(local, "sketch");
      if (sketch != null) {
        roots.add(sketch);
      }
      for (Object decision : decisions.asMap().values()) {
        Object headers = field(decision, "headers");
        if (headers != null) {
          roots.add(headers);
        }
      }
      return roots.toArray();
    } catch (ReflectiveOperationException | RuntimeException e) {
      System.out.println("identity cache not found by reflection: " + e);
      return null;
    }
  }

  /**
   * Bytes of the filter's decisions themselves and of the decision cache's entries, which {@link
   * #identityCache} does not walk (a decision points at the filter): per decision, the decision
   * object, the Caffeine node, its weak key reference and the hash map's node, each counted once by
   * its shallow size; the hash table's slots are left out (a few bytes per entry).
   */
  private static long decisionShells(KeystoneAuthFilter filter) {
    try {
      Object running = field(filter, "running");
      Object confirmed = running == null ? null : field(running, "confirmed");
      if (!(confirmed instanceof Cache<?, ?> decisions)) {
        return 0;
      }
      Object local = field(confirmed, "cache");
      Object data = local == null ? null : inHierarchy(local, "data");
      if (!(data instanceof java.util.concurrent.ConcurrentHashMap<?, ?> map) || map.isEmpty()) {
        return 0;
      }
      var one = map.entrySet().iterator().next();
      Object node = one.getValue();
      long perEntry =
          ClassLayout.parseInstance(node).instanceSize() // Caffeine's node
              + ClassLayout.parseInstance(one.getKey()).instanceSize() // its weak key reference
              + 32 // the ConcurrentHashMap's node (hash, key, value, next)
              + ClassLayout.parseInstance(decisions.asMap().values().iterator().next())
                  .instanceSize();
      return perEntry * decisions.estimatedSize();
    } catch (ReflectiveOperationException | RuntimeException e) {
      System.out.println("decision cache not found by reflection: " + e);
      return 0;
    }
  }

  /**
   * The roots the earlier version of this tool walked: every field of the token cache but its
   * delegate validator and clock (which still reach them through the caches' listener and ticker).
   */
  private static Object @Nullable [] earlierRoots(KeystoneAuthFilter filter) {
    try {
      Object running = field(filter, "running");
      Object validator = running == null ? null : field(running, "validator");
      Object stages = validator == null ? null : field(validator, "stages");
      Object tokenCache = stages == null ? null : field(stages, "cache");
      if (tokenCache == null) {
        return null;
      }
      List<Object> roots = new ArrayList<>();
      for (Field f : tokenCache.getClass().getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers())
            || TokenValidator.class.isAssignableFrom(f.getType())
            || Clock.class.isAssignableFrom(f.getType())) {
          continue;
        }
        f.setAccessible(true);
        Object value = f.get(tokenCache);
        if (value != null) {
          roots.add(value);
        }
      }
      return roots.toArray();
    } catch (ReflectiveOperationException | RuntimeException e) {
      System.out.println("token cache not found by reflection: " + e);
      return null;
    }
  }

  /** The value of the field {@code name} declared by the object's class or a superclass. */
  private static @Nullable Object inHierarchy(Object owner, String name)
      throws ReflectiveOperationException {
    for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (f.getName().equals(name) && !Modifier.isStatic(f.getModifiers())) {
          f.setAccessible(true);
          return f.get(owner);
        }
      }
    }
    return null;
  }

  private static @Nullable Object field(Object owner, String name)
      throws ReflectiveOperationException {
    return inHierarchy(owner, name);
  }
}
