package io.github.keystoneauthfilter.benchmarks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends C requests (default 1,000) at once to a running webapp, all with the same token, over C
 * connections opened beforehand (each with one request without a token, which the filter refuses
 * without asking Keystone), and prints how they were answered. {@code scripts/bench.sh} reads the
 * Keystone validations this caused from the webapp's {@code /_keystone/endpoints}.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.github.keystoneauthfilter.benchmarks.Burst \
 *   --url http://127.0.0.1:PORT/burst --token TOKEN [--concurrency C]</pre>
 *
 * <p>Last line: {@code RESULT concurrency=C ok=N other=M ms=T}. Exit status 1 unless all got 200.
 */
public final class Burst {
  private Burst() {}

  public static void main(String[] args) throws Exception {
    String url = null;
    String token = null;
    int concurrency = 1_000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--url" -> url = args[++i];
        case "--token" -> token = args[++i];
        case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (url == null || token == null) {
      throw new IllegalArgumentException("--url and --token are required");
    }
    URI uri = URI.create(url);
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    // Open the connections first, so that the burst itself is not spread by TCP handshakes.
    HttpRequest noToken = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build();
    List<CompletableFuture<HttpResponse<Void>>> opening = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      opening.add(client.sendAsync(noToken, HttpResponse.BodyHandlers.discarding()));
    }
    CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

    HttpRequest withToken =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .header("X-Auth-Token", token)
            .GET()
            .build();
    long t0 = System.nanoTime();
    List<CompletableFuture<HttpResponse<Void>>> burst = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      burst.add(client.sendAsync(withToken, HttpResponse.BodyHandlers.discarding()));
    }
    Map<String, Integer> statuses = new TreeMap<>();
    for (CompletableFuture<HttpResponse<Void>> f : burst) {
      String key;
      try {
        key = Integer.toString(f.get(60, TimeUnit.SECONDS).statusCode());
      } catch (Exception e) {
        key = e.getClass().getSimpleName();
      }
      statuses.merge(key, 1, Integer::sum);
    }
    double ms = (System.nanoTime() - t0) / 1e6;
    int ok = statuses.getOrDefault("200", 0);
    System.out.printf(
        Locale.ROOT,
        "%,d concurrent requests, one token: answers %s in %.0f ms%n",
        concurrency,
        statuses,
        ms);
    System.out.printf(
        Locale.ROOT,
        "RESULT concurrency=%d ok=%d other=%d ms=%.0f%n",
        concurrency,
        ok,
        concurrency - ok,
        ms);
    System.exit(ok == concurrency ? 0 : 1);
  }
}
