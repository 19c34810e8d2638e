package io.github.keystoneauthfilter.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A fleet-like load: many distinct tokens with Zipf popularity, a steady trickle of new tokens, a
 * fixed number of concurrent clients for a fixed time, against one URL or several taken in turn
 * (round-robin, as a load balancer would).
 *
 * <ul>
 *   <li>The first {@code --n} lines of {@code --tokens} are the tokens in use; the token of rank
 *       {@code k} (1-based) is drawn with probability {@code k^-s / H(n,s)} (Zipf, {@code --zipf
 *       s}, default 1.0: the 10th token is sent a tenth as often as the first).
 *   <li>The lines after them are a reserve of new tokens: {@code --new-per-second R} times a second
 *       (default 5) a client sends the next reserve token instead of a drawn one, and that token
 *       then takes the place of a Zipf-drawn rank, as a user who logs in again replaces his token.
 *       A run stops taking new tokens when the reserve is used up (it says so).
 *   <li>{@code --warmup W} seconds of the same load first, not measured (JIT, connections, the
 *       caches filling); then {@code --duration D} seconds measured.
 * </ul>
 *
 * <p>Keystone validations during the measured part, counted two ways when asked: {@code --answers
 * URL} (repeatable) sums {@code endpoints[0].answers} of each webapp's {@code /_keystone/endpoints}
 * before and after (the filter's own count); {@code --keystone-uwsgi PIDFILE:LOG} counts every
 * request Keystone's uWSGI workers served, from the statistics its master writes to LOG on SIGUSR1
 * ({@code workers total requests: N}): the same measure for every target, keystonemiddleware
 * included, which keeps no count of its own. Only the target under test talks to that Keystone
 * during the run, so these requests are its validations (plus a rare service login).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.keystoneauthfilter.benchmarks.FleetLoad \
 *   --tokens FILE --n 100000 --url http://127.0.0.1:P/fleet [--url ...] [--concurrency 16] \
 *   [--duration 30] [--warmup 10] [--zipf 1.0] [--new-per-second 5] [--answers URL ...] \
 *   [--keystone-uwsgi PIDFILE:LOG] [--label NAME]</pre>
 *
 * <p>Tokens are never printed. The last line is machine-readable: {@code RESULT target=NAME
 * requests=.. rps=.. p50_us=.. p99_us=.. non200=.. errors=.. validations=.. validations_per_s=..
 * ...}.
 */
public final class FleetLoad {
  private static final Pattern ANSWERS = Pattern.compile("\"answers\"\\s*:\\s*(\\d+)");

  private FleetLoad() {}

  /** The settings of one run. */
  private record Settings(
      Path tokens,
      int n,
      List<URI> urls,
      int concurrency,
      int durationSeconds,
      int warmupSeconds,
      double zipf,
      double newPerSecond,
      List<URI> answers,
      @Nullable String keystoneUwsgi,
      String label) {}

  public static void main(String[] args) throws Exception {
    @Nullable Path tokens = null;
    int n = 100_000;
    List<URI> urls = new ArrayList<>();
    int concurrency = 16;
    int duration = 30;
    int warmup = 10;
    double zipf = 1.0;
    double newPerSecond = 5;
    List<URI> answers = new ArrayList<>();
    @Nullable String keystoneUwsgi = null;
    String label = "target";
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--tokens" -> tokens = Path.of(value);
        case "--n" -> n = positive(args[i], value);
        case "--url" -> urls.add(URI.create(value));
        case "--concurrency" -> concurrency = positive(args[i], value);
        case "--duration" -> duration = positive(args[i], value);
        case "--warmup" -> warmup = Integer.parseInt(value);
        case "--zipf" -> zipf = Double.parseDouble(value);
        case "--new-per-second" -> newPerSecond = Double.parseDouble(value);
        case "--answers" -> answers.add(URI.create(value));
        case "--keystone-uwsgi" -> keystoneUwsgi = value;
        case "--label" -> label = value;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
      i++;
    }
    if (tokens == null || urls.isEmpty()) {
      throw new IllegalArgumentException("--tokens and --url are required");
    }
    if (zipf <= 0 || newPerSecond < 0 || warmup < 0) {
      throw new IllegalArgumentException(
          "--zipf must be > 0, --new-per-second and --warmup >= 0 (got "
              + zipf
              + ", "
              + newPerSecond
              + ", "
              + warmup
              + ")");
    }
    run(
        new Settings(
            tokens,
            n,
            List.copyOf(urls),
            concurrency,
            duration,
            warmup,
            zipf,
            newPerSecond,
            List.copyOf(answers),
            keystoneUwsgi,
            label));
  }

  private static int positive(String option, String value) {
    int v = Integer.parseInt(value);
    if (v < 1) {
      throw new IllegalArgumentException(option + " must be positive (got " + value + ")");
    }
    return v;
  }

  private static void run(Settings s) throws Exception {
    List<String> lines = Files.readAllLines(s.tokens(), StandardCharsets.US_ASCII);
    lines.removeIf(String::isBlank);
    if (lines.size() < s.n()) {
      throw new IllegalArgumentException(
          "--tokens has " + lines.size() + " tokens, fewer than --n " + s.n());
    }
    AtomicReferenceArray<String> popular = new AtomicReferenceArray<>(s.n());
    for (int i = 0; i < s.n(); i++) {
      popular.set(i, lines.get(i));
    }
    List<String> reserve = lines.subList(s.n(), lines.size());
    Zipf zipf = new Zipf(s.n(), s.zipf());
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    Load load = new Load(s, client, popular, reserve, zipf);

    if (s.warmupSeconds() > 0) {
      load.phase(s.warmupSeconds());
    }
    long answersBefore = answers(client, s.answers());
    long logBefore = uwsgiRequests(s.keystoneUwsgi());
    Phase measured = load.phase(s.durationSeconds());
    long answersAfter = answers(client, s.answers());
    long logAfter = uwsgiRequests(s.keystoneUwsgi());

    long[] lat = measured.latenciesMicros();
    Arrays.sort(lat);
    double seconds = measured.seconds();
    long validations = s.answers().isEmpty() ? -1 : answersAfter - answersBefore;
    long logged = s.keystoneUwsgi() == null ? -1 : logAfter - logBefore;
    System.out.printf(
        Locale.ROOT,
        "%s: %,d requests in %.1f s = %.0f req/s; p50 %.2f ms, p99 %.2f ms; non-200 %d, errors %d;"
            + " new tokens %d%s%n",
        s.label(),
        lat.length,
        seconds,
        lat.length / seconds,
        percentile(lat, 50) / 1000.0,
        percentile(lat, 99) / 1000.0,
        measured.non200(),
        measured.errors(),
        measured.newTokens(),
        load.reserveExhausted() ? " (the reserve ran out)" : "");
    System.out.printf(
        Locale.ROOT,
        "%s: Keystone validations %s (webapps' endpoints[0].answers), %s (requests Keystone served)%n",
        s.label(),
        validations < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f/s", validations / seconds),
        logged < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f/s", logged / seconds));
    System.out.printf(
        Locale.ROOT,
        "RESULT target=%s requests=%d seconds=%.1f rps=%.1f p50_us=%d p99_us=%d non200=%d errors=%d"
            + " validations=%d validations_per_s=%.1f keystone_requests=%d"
            + " keystone_requests_per_s=%.1f new_tokens=%d tokens=%d zipf=%.2f concurrency=%d"
            + " urls=%d%n",
        s.label(),
        lat.length,
        seconds,
        lat.length / seconds,
        percentile(lat, 50),
        percentile(lat, 99),
        measured.non200(),
        measured.errors(),
        validations,
        validations < 0 ? -1.0 : validations / seconds,
        logged,
        logged < 0 ? -1.0 : logged / seconds,
        measured.newTokens(),
        s.n(),
        s.zipf(),
        s.concurrency(),
        s.urls().size());
  }

  private static long percentile(long[] sorted, int p) {
    if (sorted.length == 0) {
      return -1;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** Sum of {@code endpoints[0].answers} over the given {@code /_keystone/endpoints} URLs. */
  private static long answers(HttpClient client, List<URI> uris) throws Exception {
    long sum = 0;
    for (URI uri : uris) {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      Matcher m = ANSWERS.matcher(r.body());
      if (r.statusCode() != 200 || !m.find()) {
        throw new IllegalStateException(uri + " answered " + r.statusCode() + " without answers");
      }
      sum += Long.parseLong(m.group(1));
    }
    return sum;
  }

  private static final Pattern UWSGI_TOTAL = Pattern.compile("workers total requests: (\\d+)");

  /**
   * Requests Keystone's uWSGI workers have served: {@code spec} is {@code PIDFILE:LOG}; the master
   * (pid in PIDFILE) is sent SIGUSR1 and writes its statistics to LOG, whose newest {@code workers
   * total requests} line is read (waiting 10 s at most for it). 0 without {@code spec}.
   */
  private static long uwsgiRequests(@Nullable String spec) throws Exception {
    if (spec == null) {
      return 0;
    }
    int colon = spec.indexOf(':');
    if (colon < 1) {
      throw new IllegalArgumentException("--keystone-uwsgi must be PIDFILE:LOG (got " + spec + ")");
    }
    String pid = Files.readString(Path.of(spec.substring(0, colon))).trim();
    Path log = Path.of(spec.substring(colon + 1));
    int seen = uwsgiTotals(log).size();
    Process kill = new ProcessBuilder("kill", "-USR1", pid).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("could not signal Keystone's uWSGI master " + pid);
    }
    for (int i = 0; i < 100; i++) {
      List<Long> totals = uwsgiTotals(log);
      if (totals.size() > seen) {
        return totals.get(totals.size() - 1);
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("no uWSGI statistics in " + log + " within 10 s");
  }

  private static List<Long> uwsgiTotals(Path log) throws IOException {
    List<Long> totals = new ArrayList<>();
    try (var lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
      lines.forEach(
          l -> {
            Matcher m = UWSGI_TOTAL.matcher(l);
            if (m.find()) {
              totals.add(Long.parseLong(m.group(1)));
            }
          });
    }
    return totals;
  }

  /** Zipf ranks 0..n-1 by inverse transform of the cumulative distribution. */
  static final class Zipf {
    private final double[] cdf;

    Zipf(int n, double s) {
      cdf = new double[n];
      double sum = 0;
      for (int k = 1; k <= n; k++) {
        sum += Math.pow(k, -s);
        cdf[k - 1] = sum;
      }
      for (int k = 0; k < n; k++) {
        cdf[k] /= sum;
      }
    }

    int next(SplittableRandom random) {
      int i = Arrays.binarySearch(cdf, random.nextDouble());
      return Math.min(cdf.length - 1, i >= 0 ? i : -i - 1);
    }
  }

  /** What one phase measured. */
  private record Phase(
      long[] latenciesMicros, double seconds, long non200, long errors, long newTokens) {}

  /** The clients: {@code concurrency} threads, each sending one request after another. */
  private static final class Load {
    private final Settings s;
    private final HttpClient client;
    private final AtomicReferenceArray<String> popular;
    private final List<String> reserve;
    private final Zipf zipf;
    private final AtomicInteger nextReserve = new AtomicInteger();
    private final AtomicLong turn = new AtomicLong();
    private volatile boolean reserveExhausted;

    Load(
        Settings s,
        HttpClient client,
        AtomicReferenceArray<String> popular,
        List<String> reserve,
        Zipf zipf) {
      this.s = s;
      this.client = client;
      this.popular = popular;
      this.reserve = reserve;
      this.zipf = zipf;
    }

    boolean reserveExhausted() {
      return reserveExhausted;
    }

    Phase phase(int seconds) throws InterruptedException {
      long start = System.nanoTime();
      long end = start + seconds * 1_000_000_000L;
      long newEvery = s.newPerSecond() > 0 ? (long) (1e9 / s.newPerSecond()) : Long.MAX_VALUE;
      AtomicLong nextNew = new AtomicLong(start + Math.min(newEvery, end - start));
      AtomicLong non200 = new AtomicLong();
      AtomicLong errors = new AtomicLong();
      AtomicLong newTokens = new AtomicLong();
      List<long[]> perThread = new ArrayList<>();
      int[] counts = new int[s.concurrency()];
      CountDownLatch done = new CountDownLatch(s.concurrency());
      for (int t = 0; t < s.concurrency(); t++) {
        perThread.add(new long[4096]);
      }
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < s.concurrency(); t++) {
        int me = t;
        SplittableRandom random = new SplittableRandom(0x5eed_0000L + t * 7919L + start);
        Thread thread =
            new Thread(
                () -> {
                  try {
                    long now;
                    while ((now = System.nanoTime()) < end) {
                      @Nullable String token = null;
                      long due = nextNew.get();
                      if (now >= due && nextNew.compareAndSet(due, due + newEvery)) {
                        token = takeNew(random);
                        if (token != null) {
                          newTokens.incrementAndGet();
                        }
                      }
                      if (token == null) {
                        token = popular.get(zipf.next(random));
                      }
                      URI uri = s.urls().get((int) (turn.getAndIncrement() % s.urls().size()));
                      long t0 = System.nanoTime();
                      int status;
                      try {
                        status =
                            client
                                .send(
                                    HttpRequest.newBuilder(uri)
                                        .timeout(Duration.ofSeconds(10))
                                        .header("X-Auth-Token", token)
                                        .GET()
                                        .build(),
                                    HttpResponse.BodyHandlers.discarding())
                                .statusCode();
                      } catch (IOException e) {
                        errors.incrementAndGet();
                        continue;
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                      }
                      long micros = (System.nanoTime() - t0) / 1000;
                      if (status != 200) {
                        non200.incrementAndGet();
                      }
                      long[] mine = perThread.get(me);
                      if (counts[me] == mine.length) {
                        mine = Arrays.copyOf(mine, mine.length * 2);
                        perThread.set(me, mine);
                      }
                      mine[counts[me]++] = micros;
                    }
                  } finally {
                    done.countDown();
                  }
                },
                "fleet-load-" + t);
        thread.setDaemon(true);
        threads.add(thread);
      }
      threads.forEach(Thread::start);
      done.await(); // each thread stops at 'end', its last request bounded by a 10 s timeout
      double elapsed = (System.nanoTime() - start) / 1e9;
      int total = 0;
      for (int c : counts) {
        total += c;
      }
      long[] all = new long[total];
      int at = 0;
      for (int t = 0; t < s.concurrency(); t++) {
        System.arraycopy(perThread.get(t), 0, all, at, counts[t]);
        at += counts[t];
      }
      return new Phase(all, elapsed, non200.get(), errors.get(), newTokens.get());
    }

    /** The next reserve token, now also in use at a Zipf-drawn rank; null when none is left. */
    private @Nullable String takeNew(SplittableRandom random) {
      int i = nextReserve.getAndIncrement();
      if (i >= reserve.size()) {
        reserveExhausted = true;
        return null;
      }
      String token = reserve.get(i);
      popular.set(zipf.next(random), token);
      return token;
    }
  }
}
