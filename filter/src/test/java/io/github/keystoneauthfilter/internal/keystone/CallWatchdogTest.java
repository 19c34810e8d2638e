package io.github.keystoneauthfilter.internal.keystone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The watchdog schedules a call's cut-off without holding the call's monitor: scheduling takes the
 * timer's queue lock and may block, and on Java 21-23 a virtual thread blocking inside {@code
 * synchronized} pins its carrier thread.
 */
class CallWatchdogTest {
  private static final Duration LONG = Duration.ofSeconds(60);

  /** A timer that records, at each schedule, whether the scheduling thread held the call's lock. */
  private static final class WatchingTimer extends ScheduledThreadPoolExecutor {
    final AtomicReference<Object> call = new AtomicReference<>();
    final List<Boolean> heldCallMonitor = new CopyOnWriteArrayList<>();
    volatile Runnable duringSchedule = () -> {};

    WatchingTimer() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
      heldCallMonitor.add(Thread.holdsLock(call.get()));
      duringSchedule.run();
      return super.schedule(task, delay, unit);
    }
  }

  @Test
  void startWhenSchedulingTheCutOffThenTheCallsMonitorIsNotHeld() {
    WatchingTimer timer = new WatchingTimer();
    CallWatchdog watchdog = new CallWatchdog(timer);
    try (CallWatchdog.Call call = watchdog.watch(LONG, LONG)) {
      timer.call.set(call);

      call.start(() -> true);

      assertEquals(List.of(false), timer.heldCallMonitor);
      assertEquals(1, timer.getQueue().size(), "the cut-off is scheduled");
    } finally {
      watchdog.close();
    }
  }

  @Test
  void startWhenTheCallIsClosedWhileSchedulingThenTheCutOffIsCancelled() {
    WatchingTimer timer = new WatchingTimer();
    CallWatchdog watchdog = new CallWatchdog(timer);
    try {
      CallWatchdog.Call call = watchdog.watch(LONG, LONG);
      timer.call.set(call);
      timer.duringSchedule = call::close; // the call ends between the decision and the schedule

      call.start(() -> true);

      assertTrue(timer.getQueue().isEmpty(), "no cut-off left behind: " + timer.getQueue());
      assertEquals(1, timer.heldCallMonitor.size());
    } finally {
      watchdog.close();
    }
  }
}
