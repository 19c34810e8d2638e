package io.github.keystoneauthfilter.benchmarks;

import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.IdentityHeaders;
import io.github.keystoneauthfilter.internal.cache.TokenCache;
import io.github.keystoneauthfilter.internal.servlet.IdentityRequest;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The pieces of a cache hit, each alone: the token's SHA-256 ({@link AuthToken#of}), the cache
 * lookup ({@link TokenCache#validate} on a warm entry), the identity headers ({@link
 * IdentityHeaders#confirmed}) and the request wrapper that hides forged headers and serves the
 * verified ones ({@link IdentityRequest}).
 *
 * <p>{@link #sha256ReusedDigest} is not the filter's code: it hashes the same token with a {@link
 * MessageDigest} kept per thread instead of one looked up per call, to show what that lookup costs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class PiecesBenchmark {
  private static final HexFormat HEX = HexFormat.of();

  /** A Fernet-like token of Keystone's usual length (the fake Keystone issues 180 characters). */
  private String tokenValue;

  private AuthToken token;
  private TokenCache cache;
  private Identity identity;
  private Map<String, String> confirmed;
  private BenchRequest request;
  private MessageDigest digest;
  private final AtomicInteger delegateCalls = new AtomicInteger();

  @Setup(Level.Trial)
  public void setUp() throws NoSuchAlgorithmException {
    tokenValue = "gAAAAA" + "x".repeat(174);
    token = AuthToken.of(tokenValue);
    identity =
        new Identity(
            new Identity.User("4b2f8e3c1d9a4f6e8b7c5a3d2e1f0a9b", "demo", "default", "Default"),
            new Identity.Project("9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b", "demo", "default", "Default"),
            List.of("member", "reader"),
            true,
            Instant.now().plus(Duration.ofHours(1)),
            "[{\"type\": \"identity\", \"name\": \"keystone\", \"endpoints\": [{\"region\":"
                + " \"RegionOne\", \"publicURL\": \"http://127.0.0.1:5000/v3\", \"internalURL\":"
                + " \"http://127.0.0.1:5000/v3\", \"adminURL\": \"http://127.0.0.1:5000/v3\"}]}]",
            null,
            null);
    TokenValidator delegate =
        t -> {
          delegateCalls.incrementAndGet();
          return new TokenValidation.Valid(identity);
        };
    cache = new TokenCache(delegate, Duration.ofSeconds(300), 10_000, Clock.systemUTC());
    cache.validate(token); // the one miss
    confirmed = IdentityHeaders.confirmed(identity);
    request = Harness.request(tokenValue);
    digest = MessageDigest.getInstance("SHA-256");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (delegateCalls.get() != 1) {
      throw new IllegalStateException("cache missed: " + delegateCalls.get() + " delegate calls");
    }
  }

  /** Strip, SHA-256 (a MessageDigest looked up per call), hex: the filter's token key. */
  @Benchmark
  public AuthToken authTokenOf() {
    return AuthToken.of(tokenValue);
  }

  /** The same SHA-256 and hex with a digest reused across calls (not the filter's code). */
  @Benchmark
  public String sha256ReusedDigest() {
    return HEX.formatHex(digest.digest(tokenValue.getBytes(StandardCharsets.UTF_8)));
  }

  /** A hit in the identity cache, the token already hashed. */
  @Benchmark
  public TokenValidation tokenCacheHit() {
    return cache.validate(token);
  }

  /** The map of identity headers a confirmed request gets. */
  @Benchmark
  public Map<String, String> identityHeadersConfirmed() {
    return IdentityHeaders.confirmed(identity);
  }

  /** Wrapping the request with ready-made headers, then one injected header read. */
  @Benchmark
  public String identityRequestWrap() {
    return new IdentityRequest(request, confirmed).getHeader("X-User-Id");
  }

  /**
   * Header stripping and injection as the filter does it per request: build the headers, wrap, then
   * read one injected header, one forged (hidden) header and one ordinary header.
   */
  @Benchmark
  public void headersBuildWrapRead(Blackhole bh) {
    IdentityRequest wrapped = new IdentityRequest(request, IdentityHeaders.confirmed(identity));
    bh.consume(wrapped.getHeader("X-User-Id"));
    bh.consume(wrapped.getHeader("X-Roles"));
    bh.consume(wrapped.getHeader("Accept"));
  }
}
