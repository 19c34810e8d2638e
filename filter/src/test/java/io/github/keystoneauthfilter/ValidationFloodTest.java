package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.Fault;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A flood of random tokens against a slow Keystone (issue #7, item 3): the bulkhead bounds the
 * validations in flight, the requests beyond it get a fast 503 with Retry-After instead of
 * queueing, nothing is a 500, answered bad tokens are cached, and a cached valid identity keeps
 * getting 200 throughout.
 */
class ValidationFloodTest {
  private static final int LIMIT = 4;
  private static final int THREADS = 24;
  private static final int PER_THREAD = 8;
  private static final Duration KEYSTONE_DELAY = Duration.ofMillis(1500);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private FakeKeystone site;
  private Server server;
  private URI base;

  /** One flood request's outcome. */
  private record Outcome(String token, int status, boolean retryAfter, long millis) {}

  @BeforeEach
  void start() throws Exception {
    site = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    FilterHolder filter = new FilterHolder(KeystoneAuthFilter.class);
    filter.setInitParameter("auth_url", site.uri().toString());
    filter.setInitParameter("username", "svc");
    filter.setInitParameter("password", "svc-pass");
    filter.setInitParameter("project_name", "service");
    filter.setInitParameter("max_concurrent_validations", Integer.toString(LIMIT));
    filter.setInitParameter("http_request_timeout", "10");
    filter.setInitParameter("invalid_token_cache_time", "300");
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(
        new ServletHolder(
            new HttpServlet() {
              private static final long serialVersionUID = 1L;

              @Override
              protected void service(HttpServletRequest request, HttpServletResponse response) {
                response.setStatus(200);
              }
            }),
        "/*");
    server.setHandler(context);
    server.start();
    base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
    site.close();
  }

  private HttpResponse<Void> get(String token) throws Exception {
    return http.send(
        HttpRequest.newBuilder(base.resolve("/app"))
            .timeout(Duration.ofSeconds(30))
            .header("X-Auth-Token", token)
            .build(),
        HttpResponse.BodyHandlers.discarding());
  }

  private static String randomToken() {
    return "gAAAAA" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-flood";
  }

  @Test
  void floodOfRandomTokensAgainstSlowKeystoneIsBoundedFastAndSparesCachedIdentities()
      throws Exception {
    String valid = site.issue(KeystoneTokenFixture.create());
    assertEquals(200, get(valid).statusCode()); // logged in, identity cached
    site.faultLogin(false);
    site.fault(Fault.delay(KEYSTONE_DELAY));
    site.clearRecorded();

    List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
    List<Integer> validStatuses = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean flooding = new AtomicBoolean(true);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
    try {
      Future<?> cachedUser =
          pool.submit(
              () -> {
                go.await();
                for (int i = 0; i < 10_000 && flooding.get(); i++) {
                  validStatuses.add(get(valid).statusCode());
                }
                return null;
              });
      List<Future<?>> flood = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        flood.add(
            pool.submit(
                () -> {
                  go.await();
                  for (int i = 0; i < PER_THREAD; i++) {
                    String token = randomToken();
                    long began = System.nanoTime();
                    HttpResponse<Void> response = get(token);
                    outcomes.add(
                        new Outcome(
                            token,
                            response.statusCode(),
                            response.headers().firstValue("Retry-After").isPresent(),
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began)));
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : flood) {
        f.get(120, TimeUnit.SECONDS);
      }
      flooding.set(false);
      cachedUser.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }

    assertEquals(THREADS * PER_THREAD, outcomes.size());
    assertEquals(
        LIMIT,
        site.maxConcurrentValidations(),
        "Keystone saw at most max_concurrent_validations at once (and the flood reached it)");
    List<Outcome> refused = outcomes.stream().filter(o -> o.status() == 503).toList();
    List<Outcome> answered = outcomes.stream().filter(o -> o.status() == 401).toList();
    assertEquals(outcomes.size(), refused.size() + answered.size(), "only 401 and 503, no 500");
    assertTrue(refused.size() > outcomes.size() / 2, refused.size() + " refused");
    assertEquals(answered.size(), site.validations(), "each 401 cost one call, each 503 none");
    for (Outcome o : refused) {
      assertTrue(o.retryAfter(), "a 503 without Retry-After");
      assertTrue(
          o.millis() < KEYSTONE_DELAY.toMillis(),
          "a 503 took " + o.millis() + " ms: it waited for a validation instead of failing fast");
    }
    assertTrue(validStatuses.size() > 0);
    assertEquals(List.of(200), validStatuses.stream().distinct().toList());

    // The bad tokens Keystone answered are cached: asking again costs no call, nor a 503.
    int calls = site.validations();
    for (Outcome o : answered) {
      assertEquals(401, get(o.token()).statusCode());
    }
    assertEquals(calls, site.validations());
  }
}
