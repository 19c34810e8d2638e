package io.github.keystoneauthfilter.internal.keystone;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;

/**
 * Holds every Keystone call to a time limit that covers the whole exchange: the wait for a pooled
 * connection, connecting, sending, and reading the answer to its last byte.
 *
 * <p>Socket timeouts alone cannot do that: they bound each read, so a server that trickles its
 * answer a byte at a time is never cut off, and closing a half-read answer makes HttpClient drain
 * the rest. So each call is watched: when its limit passes, a timer thread cancels the HttpClient
 * request, which gives up a wait for a pooled connection or discards the connection (closing its
 * socket at once, nothing drained), so the blocked request thread gets an I/O error. The clock
 * starts when the exchange does (not while Jersey builds the request, which on the first call of a
 * cold JVM can take seconds of local work): {@link #INTERCEPTOR} runs on the calling thread right
 * then, hands the HttpClient request over, starts the timer and caps the pool wait at the time
 * left.
 *
 * <p>One per HTTP client; its one timer thread is started on first use, ends after 10 s without
 * calls, and is stopped by {@link #close()}.
 *
 * <p>A call's monitor guards only field updates: nothing that can block (the timer's queue lock
 * included) runs while it is held, so on Java 21-23, where a virtual thread that blocks inside
 * {@code synchronized} pins its carrier thread, a call made on a virtual thread never pins one.
 */
final class CallWatchdog implements AutoCloseable {
  /** The call being made on this thread, for {@link #INTERCEPTOR}. */
  private static final ThreadLocal<Call> CURRENT = new ThreadLocal<>();

  /**
   * HttpClient's first exec interceptor: starts the clock of the call watched on this thread (if
   * any), hands it the request of the exchange, and caps the connection-pool wait at its time left.
   */
  static final ExecChainHandler INTERCEPTOR =
      (request, scope, chain) -> {
        Call call = CURRENT.get();
        if (call != null) {
          if (!(scope.originalRequest instanceof Cancellable cancellable)) {
            throw new IllegalStateException(
                "cannot time-limit a request of type " + scope.originalRequest.getClass());
          }
          Duration remaining = call.start(cancellable);
          capPoolWait(scope.clientContext, remaining);
        }
        return chain.proceed(request, scope);
      };

  private final ScheduledThreadPoolExecutor timer;

  CallWatchdog() {
    this(
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread thread = new Thread(task, "keystone-call-watchdog");
              thread.setDaemon(true);
              return thread;
            }));
  }

  /** A watchdog on {@code timer} (one thread), for tests. */
  CallWatchdog(ScheduledThreadPoolExecutor timer) {
    this.timer = timer;
    timer.setRemoveOnCancelPolicy(true);
    timer.setKeepAliveTime(10, TimeUnit.SECONDS);
    timer.allowCoreThreadTimeOut(true);
  }

  /**
   * Watches the call that the current thread is about to make; close the result when the call is
   * over (answer read, or given up).
   *
   * @param limit the longest the exchange may take from its start
   * @param deadlineLeft the time left of the request's deadline, which the exchange may not outlast
   */
  Call watch(Duration limit, Duration deadlineLeft) {
    Call call = new Call(limit, System.nanoTime() + deadlineLeft.toNanos());
    CURRENT.set(call);
    return call;
  }

  /** Stops the timer thread; an exchange started after this fails at once. */
  @Override
  public void close() {
    timer.shutdownNow();
  }

  /** Whether {@link #close()} was called. */
  boolean isClosed() {
    return timer.isShutdown();
  }

  private static void capPoolWait(HttpClientContext context, Duration remaining) {
    RequestConfig config = context.getRequestConfig();
    Timeout left = Timeout.ofMilliseconds(Math.max(1, remaining.toMillis()));
    Timeout current = config.getConnectionRequestTimeout();
    if (current == null || current.isDisabled() || current.compareTo(left) > 0) {
      context.setRequestConfig(
          RequestConfig.copy(config).setConnectionRequestTimeout(left).build());
    }
  }

  /** One watched call on one thread. */
  final class Call implements AutoCloseable {
    private final Duration limit;
    private final long deadlineNanos;
    private @Nullable ScheduledFuture<?> timeout; // guarded by this
    private boolean started; // guarded by this
    private @Nullable Cancellable request; // guarded by this
    private boolean aborted; // guarded by this
    private boolean closed; // guarded by this
    private volatile boolean timedOut;
    private volatile boolean cutByDeadline;

    private Call(Duration limit, long deadlineNanos) {
      this.limit = limit;
      this.deadlineNanos = deadlineNanos;
    }

    /**
     * The exchange starts: from now it has {@code limit}, or less if the deadline comes first.
     *
     * @return the time it has
     */
    Duration start(Cancellable exchange) {
      long deadlineLeft = deadlineNanos - System.nanoTime();
      boolean byDeadline = deadlineLeft < limit.toNanos();
      long left = Math.max(0, byDeadline ? deadlineLeft : limit.toNanos());
      boolean cancelNow;
      boolean schedule;
      synchronized (this) {
        request = exchange;
        cancelNow = aborted;
        schedule = !cancelNow && !closed && !started;
        if (schedule) {
          started = true;
          cutByDeadline = byDeadline;
        }
      }
      if (cancelNow) {
        exchange.cancel();
      }
      if (schedule) {
        // Outside the monitor: scheduling takes the timer's queue lock, which may block.
        ScheduledFuture<?> scheduled = timer.schedule(this::cutOff, left, TimeUnit.NANOSECONDS);
        boolean closedMeanwhile;
        synchronized (this) {
          closedMeanwhile = closed;
          if (!closedMeanwhile) {
            timeout = scheduled;
          }
        }
        if (closedMeanwhile) {
          scheduled.cancel(false);
        }
      }
      return Duration.ofNanos(left);
    }

    /** Whether the time limit passed before the call was closed (so it was, or is being, cut). */
    boolean timedOut() {
      return timedOut;
    }

    /** Whether the cut came from the request's deadline rather than the call's own limit. */
    boolean cutByDeadline() {
      return cutByDeadline;
    }

    /**
     * Gives up the call now: the connection is discarded, not drained nor reused. For an answer
     * that will not be read to its end.
     */
    void abort() {
      Cancellable toCancel;
      synchronized (this) {
        aborted = true;
        toCancel = request;
      }
      if (toCancel != null) {
        toCancel.cancel();
      }
    }

    private void cutOff() {
      timedOut = true;
      abort();
    }

    /** The call is over: stop watching it. */
    @Override
    public void close() {
      ScheduledFuture<?> scheduled;
      synchronized (this) {
        closed = true;
        scheduled = timeout;
      }
      if (scheduled != null) {
        scheduled.cancel(false);
      }
      if (CURRENT.get() == this) {
        CURRENT.remove();
      }
    }
  }
}
