package io.github.keystoneauthfilter.benchmarks;

import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The filter's whole {@code doFilter} on a cache hit, with hand-written request/response stand-ins
 * (no servlet container, no mock framework): token read and checked, SHA-256, cache lookup,
 * identity headers built, request wrapped, chain called.
 *
 * <ul>
 *   <li>{@link #doFilterHit}: the application reads one identity header ({@code X-User-Id}).
 *   <li>{@link #doFilterHitReadAllHeaders}: the application lists every header and its values, as
 *       the test webapp's echo servlet does (what wrk measures end to end).
 *   <li>{@link #noFilterReadAllHeaders}: that same application on the bare request, no filter: the
 *       baseline to subtract from the previous one.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class CacheHitBenchmark {
  private FakeKeystone keystone;
  private KeystoneAuthFilter filter;
  private BenchRequest request;
  private final BenchResponse response = new BenchResponse();
  private final Harness.ReadUserId readOne = new Harness.ReadUserId();
  private final Harness.ReadAllHeaders readAll = new Harness.ReadAllHeaders();

  /** A fake Keystone, the filter with default settings (cache 300 s, catalog on), a warm entry. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    keystone = Harness.keystone();
    filter = Harness.filter(keystone, b -> b);
    String token = keystone.issue(Harness.demoLikeFixture());
    request = Harness.request(token);
    Harness.passOnce(filter, token); // the one miss: from now on every call is a hit
    int validations = keystone.validations();
    if (validations != 1) {
      throw new IllegalStateException("expected 1 validation, saw " + validations);
    }
  }

  /** Checks the benchmark measured hits only, then stops the fake Keystone. */
  @TearDown(Level.Trial)
  public void tearDown() {
    int validations = keystone.validations();
    filter.destroy();
    keystone.close();
    if (validations != 1) {
      throw new IllegalStateException("not all cache hits: " + validations + " validations");
    }
  }

  @Benchmark
  public String doFilterHit() throws Exception {
    request.reset();
    filter.doFilter(request, response, readOne);
    return readOne.seen;
  }

  @Benchmark
  public int doFilterHitReadAllHeaders() throws Exception {
    request.reset();
    filter.doFilter(request, response, readAll);
    return readAll.chars;
  }

  @Benchmark
  public int noFilterReadAllHeaders() throws Exception {
    request.reset();
    readAll.doFilter(request, response);
    return readAll.chars;
  }
}
