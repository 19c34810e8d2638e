package io.github.keystoneauthfilter.internal.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.internal.endpoint.EndpointFailureException.Kind;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.KeystoneUnavailableException;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.testing.Identities;
import io.github.keystoneauthfilter.testing.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hedged validation and demotion. A "hung" endpoint blocks on a latch that the test opens at the
 * end, so whether a hedge is sent never depends on how fast the machine is; the monotonic clock is
 * the real one plus a skew the test moves forward to make a demoted endpoint's probe due.
 */
class HedgedEndpointPoolTest {
  private static final Instant START = Instant.parse("2026-12-01T12:00:00Z");
  private static final AuthToken TOKEN = AuthToken.of("gAAAAABn-secret-user-token-value");
  private static final TokenValidation VALID =
      new TokenValidation.Valid(
          Identities.user("u-1")
              .name("alice")
              .project("p-1", "demo")
              .roles("member")
              .expiresAt(START.plusSeconds(3600))
              .build());
  private static final Duration DELAY = Duration.ofMillis(20);
  private static final Duration HOUR = Duration.ofHours(1);

  private final MutableClock clock = new MutableClock(START);
  private final AtomicLong skew = new AtomicLong();
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<EndpointPool> pools = new ArrayList<>();

  @AfterEach
  void releaseHungCalls() throws InterruptedException {
    release.countDown();
    for (EndpointPool pool : pools) {
      assertTrue(pool.awaitIdle(Duration.ofSeconds(10)), "calls still in flight");
      pool.close();
    }
  }

  /** An endpoint that answers VALID, or hangs until released while {@code hung} is set. */
  private final class Site implements Endpoint {
    final URI uri;
    final AtomicBoolean hung = new AtomicBoolean();
    final AtomicBoolean failing = new AtomicBoolean();
    final AtomicBoolean notFound = new AtomicBoolean();
    final AtomicBoolean slow = new AtomicBoolean();
    final AtomicInteger calls = new AtomicInteger();

    Site(String uri) {
      this.uri = URI.create(uri);
    }

    @Override
    public URI uri() {
      return uri;
    }

    @Override
    public TokenValidation validate(AuthToken token, Deadline deadline)
        throws EndpointFailureException {
      calls.incrementAndGet();
      if (hung.get()) {
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new EndpointFailureException(Kind.UNAVAILABLE, uri, "read timed out");
      }
      if (slow.get()) {
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (failing.get()) {
        throw new EndpointFailureException(Kind.UNAVAILABLE, uri, "connection refused");
      }
      return notFound.get() ? new TokenValidation.Invalid("404") : VALID;
    }
  }

  private static Hedging fixed(double budget, int demoteAfter, Duration probeInterval) {
    return new Hedging(
        Hedging.Mode.FIXED,
        DELAY,
        Duration.ofMillis(50),
        Duration.ofMillis(500),
        budget,
        demoteAfter,
        probeInterval);
  }

  /** Hedging on, with a delay no call reaches. */
  private static Hedging never() {
    return new Hedging(
        Hedging.Mode.FIXED, HOUR, Duration.ofMillis(50), Duration.ofMillis(500), 1.0, 3, HOUR);
  }

  private EndpointPool pool(Hedging hedging, Duration deadline, Site... sites) {
    List<EndpointMember> members = new ArrayList<>();
    for (Site site : sites) {
      members.add(
          new EndpointMember(
              site,
              new CircuitBreaker(
                  site.uri, 3, Duration.ofSeconds(5), Duration.ofSeconds(60), clock, () -> 0.0)));
    }
    EndpointPool pool =
        new EndpointPool(
            members, deadline, false, hedging, 64, clock, () -> System.nanoTime() + skew.get());
    pools.add(pool);
    return pool;
  }

  @Test
  void hungFirstEndpointIsHedgedAndTheAbandonedCallStillReportsToItsBreaker()
      throws InterruptedException {
    Site primary = new Site("http://primary:5000");
    Site secondary = new Site("http://secondary:5000");
    primary.hung.set(true);
    EndpointPool pool = pool(fixed(0.1, 0, HOUR), Duration.ofSeconds(10), primary, secondary);

    assertSame(VALID, pool.validate(TOKEN));

    EndpointMember first = pool.members().get(0);
    EndpointMember second = pool.members().get(1);
    assertEquals(1, second.hedgesSent());
    assertEquals(1, second.hedgesWon());
    assertEquals(1, first.late());
    assertEquals(0, first.failures(), "the abandoned call is still in flight");
    release.countDown();
    assertTrue(pool.awaitIdle(Duration.ofSeconds(10)));
    assertEquals(1, first.failures(), "the abandoned call counts when it ends");
    assertEquals(1, first.breaker().state().consecutiveFailures());
  }

  @Test
  void hedgingOffAsksOneEndpointAfterTheOtherAndNeverHedges() {
    Site primary = new Site("http://primary:5000");
    Site secondary = new Site("http://secondary:5000");
    primary.hung.set(true);
    release.countDown(); // "hung" now fails at once: the pool asks the next only after that
    EndpointPool pool = pool(Hedging.OFF, Duration.ofSeconds(10), primary, secondary);

    assertSame(VALID, pool.validate(TOKEN));
    assertEquals(0, pool.members().get(1).hedgesSent());
    assertEquals(1, pool.members().get(0).failures());
  }

  @Test
  void healthyEndpointIsNotHedged() {
    Site primary = new Site("http://primary:5000");
    Site secondary = new Site("http://secondary:5000");
    Hedging hedging =
        new Hedging(
            Hedging.Mode.FIXED, HOUR, Duration.ofMillis(50), Duration.ofMillis(500), 1.0, 3, HOUR);
    EndpointPool pool = pool(hedging, Duration.ofSeconds(10), primary, secondary);

    for (int i = 0; i < 50; i++) {
      assertSame(VALID, pool.validate(TOKEN));
    }
    assertEquals(50, primary.calls.get());
    assertEquals(0, secondary.calls.get());
    assertEquals(0, pool.members().get(0).late());
  }

  @Test
  void budgetBoundsHedgesToItsBurstWhenItEarnsNothing() {
    Site primary = new Site("http://primary:5000");
    Site secondary = new Site("http://secondary:5000");
    primary.hung.set(true);
    EndpointPool pool = pool(fixed(0.0, 0, HOUR), Duration.ofMillis(300), primary, secondary);

    int answered = 0;
    int unavailable = 0;
    for (int i = 0; i < Hedging.BURST + 3; i++) {
      try {
        pool.validate(TOKEN);
        answered++;
      } catch (KeystoneUnavailableException e) {
        unavailable++;
      }
    }
    assertEquals(Hedging.BURST, pool.members().get(1).hedgesSent());
    assertEquals(Hedging.BURST, answered);
    assertEquals(3, unavailable, "without a hedge the hung endpoint holds the request");
  }

  @Test
  void lateEndpointIsDemotedProbedAndRestored() throws InterruptedException {
    Site primary = new Site("http://primary:5000");
    Site secondary = new Site("http://secondary:5000");
    primary.slow.set(true);
    EndpointPool pool = pool(fixed(1.0, 3, HOUR), Duration.ofSeconds(10), primary, secondary);
    EndpointMember first = pool.members().get(0);

    for (int i = 0; i < 3; i++) {
      assertSame(VALID, pool.validate(TOKEN));
    }
    assertTrue(first.demoted());
    assertEquals(1, first.demotions());

    for (int i = 0; i < 5; i++) {
      assertSame(VALID, pool.validate(TOKEN));
    }
    assertEquals(3, primary.calls.get(), "demoted and no probe due: not asked");
    assertEquals(3, pool.members().get(1).hedgesSent(), "no more hedges once demoted");

    primary.slow.set(false);
    release.countDown(); // the late answers come in, late
    assertTrue(pool.awaitIdle(Duration.ofSeconds(10)));
    assertTrue(first.demoted());
    skew.addAndGet(HOUR.toNanos());
    assertSame(VALID, pool.validate(TOKEN));
    assertTrue(pool.awaitIdle(Duration.ofSeconds(10)));
    assertEquals(1, first.probes());
    assertEquals(CircuitBreaker.StateName.CLOSED, first.breaker().state().name());
    assertTrue(first.demoted(), "one on-time probe is not enough");

    skew.addAndGet(HOUR.toNanos());
    assertSame(VALID, pool.validate(TOKEN));
    assertTrue(pool.awaitIdle(Duration.ofSeconds(10)));
    assertEquals(2, first.probes());
    assertFalse(first.demoted());

    int before = secondary.calls.get();
    assertSame(VALID, pool.validate(TOKEN));
    assertEquals(before, secondary.calls.get(), "restored: asked first again");
  }

  @Test
  void failuresFailOverAtOnceAndAllFailingIsUnavailable() {
    Site primary = new Site("http://primary:5000");
    Site secondary = new Site("http://secondary:5000");
    Site third = new Site("http://third:5000");
    primary.failing.set(true);
    secondary.failing.set(true);
    EndpointPool pool = pool(never(), Duration.ofSeconds(10), primary, secondary, third);

    assertSame(VALID, pool.validate(TOKEN));
    assertEquals(1, pool.members().get(0).failovers());
    assertEquals(1, pool.members().get(1).failovers());
    assertEquals(0, pool.members().get(2).hedgesSent(), "a failover is not a hedge");

    third.failing.set(true);
    KeystoneUnavailableException e =
        assertThrows(KeystoneUnavailableException.class, () -> pool.validate(TOKEN));
    assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
  }

  @Test
  void notFoundIsFinalWithHedging() {
    Site primary = new Site("http://primary:5000");
    primary.notFound.set(true);
    Site secondary = new Site("http://secondary:5000");
    EndpointPool pool = pool(fixed(1.0, 3, HOUR), Duration.ofSeconds(10), primary, secondary);

    assertInstanceOf(TokenValidation.Invalid.class, pool.validate(TOKEN));
    assertEquals(0, secondary.calls.get());
  }

  @Test
  void adaptiveDelayIsTheCeilingUntilEnoughSamplesThenFollowsThemDownToTheFloor() {
    Site primary = new Site("http://primary:5000");
    Site secondary = new Site("http://secondary:5000");
    Hedging adaptive =
        new Hedging(
            Hedging.Mode.ADAPTIVE,
            null,
            Duration.ofMillis(50),
            Duration.ofMillis(500),
            0.1,
            3,
            HOUR);
    EndpointPool pool = pool(adaptive, Duration.ofSeconds(10), primary, secondary);
    EndpointMember first = pool.members().get(0);

    pool.validate(TOKEN);
    assertEquals(Duration.ofMillis(500).toNanos(), first.hedgeDelayNanos());
    for (int i = 0; i < LatencyWindow.MIN_SAMPLES + LatencyWindow.REFRESH; i++) {
      pool.validate(TOKEN);
    }
    // Instant answers: the 95th percentile is far below the floor.
    assertEquals(Duration.ofMillis(50).toNanos(), first.hedgeDelayNanos());
  }
}
