package io.github.keystoneauthfilter.benchmarks;

import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
 * The miss path against an in-process fake Keystone on 127.0.0.1: the filter with {@code
 * token_cache_time=-1}, so every call validates over HTTP (keep-alive, the filter's own client),
 * next to the same {@code GET /v3/auth/tokens} sent by the JDK's HTTP client ({@link
 * #directValidation}). The difference is what the filter adds to a miss: token checks, SHA-256, the
 * single-flight entry, breaker and deadline, the Jersey/Apache client, parsing the body into an
 * identity and the catalog into v2 JSON, the headers and the wrapper.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class MissBenchmark {
  private FakeKeystone keystone;
  private KeystoneAuthFilter filter;
  private BenchRequest request;
  private final BenchResponse response = new BenchResponse();
  private final Harness.ReadUserId chain = new Harness.ReadUserId();
  private HttpClient client;
  private HttpRequest direct;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    keystone = Harness.keystone();
    filter = Harness.filter(keystone, b -> b.tokenCacheTime(Duration.ofSeconds(-1)));
    String token = keystone.issue(Harness.demoLikeFixture());
    request = Harness.request(token);
    Harness.passOnce(filter, token); // logs the service user in
    Harness.passOnce(filter, token);
    if (keystone.validations() != 2) {
      throw new IllegalStateException("the cache is not off: " + keystone.validations());
    }
    String serviceToken = keystone.serviceTokens().iterator().next();
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    direct =
        HttpRequest.newBuilder(URI.create(keystone.uri() + FakeKeystone.TOKENS_PATH))
            .header("X-Auth-Token", serviceToken)
            .header("X-Subject-Token", token)
            .header("Accept", "application/json")
            .GET()
            .build();
    if (directValidation() != 200) {
      throw new IllegalStateException("direct validation failed");
    }
  }

  /** The fake Keystone records every request: forget them between iterations. */
  @TearDown(Level.Iteration)
  public void forget() {
    keystone.clearRecorded();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    filter.destroy();
    keystone.close();
  }

  @Benchmark
  public String filterMiss() throws Exception {
    request.reset();
    chain.seen = null;
    filter.doFilter(request, response, chain);
    String seen = chain.seen;
    if (seen == null) {
      throw new IllegalStateException("refused: " + response.getStatus());
    }
    return seen;
  }

  @Benchmark
  public int directValidation() throws IOException, InterruptedException {
    HttpResponse<byte[]> answer = client.send(direct, HttpResponse.BodyHandlers.ofByteArray());
    return answer.statusCode();
  }
}
