package io.github.keystoneauthfilter.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;

/**
 * Miss latency against a real Keystone: N fresh tokens each sent once through the filter (a running
 * test webapp) and N other fresh tokens each validated directly ({@code GET /v3/auth/tokens} with
 * the service user's token, as the filter does), alternately, one at a time, from one client. Every
 * token is new to the filter and to Keystone, so both sides pay Keystone's full validation. Tokens
 * are issued beforehand ({@code POST /v3/auth/tokens}, demo user).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.keystoneauthfilter.benchmarks.MissLatency \
 *   --env STATE/keystone.env --webapp http://127.0.0.1:PORT [--n 100] [--warmup 20] [--csv FILE]
 * </pre>
 *
 * <p>Last line: {@code RESULT n=N filter_p50_us=.. direct_p50_us=.. delta_p50_us=.. ...}.
 */
public final class MissLatency {
  private MissLatency() {}

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  public static void main(String[] args) throws Exception {
    Path env = null;
    String webapp = null;
    int n = 100;
    int warmup = 20;
    Path csv = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--env" -> env = Path.of(args[++i]);
        case "--webapp" -> webapp = args[++i];
        case "--n" -> n = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--csv" -> csv = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (env == null || webapp == null) {
      throw new IllegalArgumentException("--env and --webapp are required");
    }
    Properties ks = new Properties();
    try (InputStream in = Files.newInputStream(env)) {
      ks.load(in);
    }
    String keystone = ks.getProperty("KEYSTONE_URL_1"); // ends in /v3
    String serviceToken =
        issue(
            keystone,
            ks.getProperty("KEYSTONE_SVC_USER"),
            ks.getProperty("KEYSTONE_SVC_PASSWORD"),
            ks.getProperty("KEYSTONE_SVC_PROJECT"));
    int total = 2 * (n + warmup);
    String[] tokens = new String[total];
    long t0 = System.nanoTime();
    for (int i = 0; i < total; i++) {
      tokens[i] =
          issue(
              keystone,
              ks.getProperty("KEYSTONE_DEMO_USER"),
              ks.getProperty("KEYSTONE_DEMO_PASSWORD"),
              ks.getProperty("KEYSTONE_DEMO_PROJECT"));
    }
    System.out.printf(
        Locale.ROOT,
        "issued %d fresh demo tokens in %.1f s%n",
        total,
        (System.nanoTime() - t0) / 1e9);

    URI through = URI.create(webapp + "/miss");
    URI direct = URI.create(keystone + "/auth/tokens");
    long[] viaFilter = new long[n];
    long[] viaDirect = new long[n];
    int next = 0;
    for (int i = 0; i < warmup + n; i++) {
      long f = timeFilter(through, tokens[next++]);
      long d = timeDirect(direct, serviceToken, tokens[next++]);
      if (i >= warmup) {
        viaFilter[i - warmup] = f;
        viaDirect[i - warmup] = d;
      }
    }
    if (csv != null) {
      try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(csv))) {
        out.println("i,filter_us,direct_us");
        for (int i = 0; i < n; i++) {
          out.println(i + "," + viaFilter[i] + "," + viaDirect[i]);
        }
      }
    }
    // The extra hop alone: the same client to the same webapp, no token (401 from the filter,
    // no Keystone call).
    long[] hop = new long[n];
    for (int i = 0; i < n; i++) {
      hop[i] = timeNoToken(through);
    }
    Arrays.sort(hop);
    long[] paired = new long[n];
    for (int i = 0; i < n; i++) {
      paired[i] = viaFilter[i] - viaDirect[i];
    }
    Arrays.sort(paired);
    long[] fs = viaFilter.clone();
    long[] ds = viaDirect.clone();
    Arrays.sort(fs);
    Arrays.sort(ds);
    System.out.printf(
        Locale.ROOT,
        "%-34s %8s %8s %8s %8s (µs)%n",
        "one fresh token, sequential",
        "p50",
        "p90",
        "p99",
        "mean");
    print("through the filter (webapp)", fs);
    print("direct GET /v3/auth/tokens", ds);
    print("webapp hop only (no token: 401)", hop);
    System.out.printf(
        Locale.ROOT,
        "p50 difference %d µs; median of the %d paired differences (filter i - direct i) %d µs%n",
        pct(fs, 50) - pct(ds, 50),
        n,
        pct(paired, 50));
    System.out.printf(
        Locale.ROOT,
        "RESULT n=%d filter_p50_us=%d direct_p50_us=%d delta_p50_us=%d paired_median_us=%d"
            + " filter_p90_us=%d direct_p90_us=%d filter_p99_us=%d direct_p99_us=%d hop_p50_us=%d%n",
        n,
        pct(fs, 50),
        pct(ds, 50),
        pct(fs, 50) - pct(ds, 50),
        pct(paired, 50),
        pct(fs, 90),
        pct(ds, 90),
        pct(fs, 99),
        pct(ds, 99),
        pct(hop, 50));
  }

  private static void print(String label, long[] sorted) {
    System.out.printf(
        Locale.ROOT,
        "%-34s %8d %8d %8d %8d%n",
        label,
        pct(sorted, 50),
        pct(sorted, 90),
        pct(sorted, 99),
        Math.round(Arrays.stream(sorted).average().orElse(0)));
  }

  /** Nearest-rank percentile of a sorted array. */
  private static long pct(long[] sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static long timeFilter(URI uri, String token) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(15))
            .header("X-Auth-Token", token)
            .GET()
            .build();
    long t0 = System.nanoTime();
    HttpResponse<byte[]> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    long us = (System.nanoTime() - t0) / 1_000;
    check(answer, "through the filter");
    return us;
  }

  private static long timeNoToken(URI uri) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).GET().build();
    long t0 = System.nanoTime();
    HttpResponse<byte[]> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    long us = (System.nanoTime() - t0) / 1_000;
    if (answer.statusCode() != 401) {
      throw new IllegalStateException("no token answered " + answer.statusCode() + ", not 401");
    }
    return us;
  }

  private static long timeDirect(URI uri, String serviceToken, String token)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(15))
            .header("X-Auth-Token", serviceToken)
            .header("X-Subject-Token", token)
            .header("Accept", "application/json")
            .GET()
            .build();
    long t0 = System.nanoTime();
    HttpResponse<byte[]> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    long us = (System.nanoTime() - t0) / 1_000;
    check(answer, "direct validation");
    return us;
  }

  private static void check(HttpResponse<byte[]> answer, String what) {
    if (answer.statusCode() != 200) {
      throw new IllegalStateException(
          what
              + " answered "
              + answer.statusCode()
              + ": "
              + new String(answer.body(), StandardCharsets.UTF_8));
    }
  }

  /** A project-scoped token for this user (password method), from X-Subject-Token. */
  private static String issue(String keystone, String user, String password, String project)
      throws IOException, InterruptedException {
    String body =
        "{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\": {\"name\":"
            + " \""
            + user
            + "\", \"domain\": {\"name\": \"Default\"}, \"password\": \""
            + password
            + "\"}}}, \"scope\": {\"project\": {\"name\": \""
            + project
            + "\", \"domain\": {\"name\": \"Default\"}}}}}";
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(keystone + "/auth/tokens?nocatalog"))
            .timeout(Duration.ofSeconds(15))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() != 201) {
      throw new IllegalStateException(
          "login of " + user + " answered " + answer.statusCode() + ": " + answer.body());
    }
    return answer
        .headers()
        .firstValue("X-Subject-Token")
        .orElseThrow(() -> new IllegalStateException("no X-Subject-Token"));
  }
}
