package io.github.keystoneauthfilter.internal.endpoint;

import java.util.Arrays;

/**
 * The latencies of an endpoint's last {@link #SIZE} successful calls, for its adaptive hedge delay
 * and its latency percentiles. A ring buffer under a lock: an add is a few stores; a percentile
 * sorts a copy (256 longs), which the hedge delay does once every {@link #REFRESH} adds.
 */
final class LatencyWindow {
  static final int SIZE = 256;

  /** Fewer samples than this and the adaptive delay is the ceiling. */
  static final int MIN_SAMPLES = 32;

  static final int REFRESH = 16;

  private final long[] samples = new long[SIZE];
  private long added; // guarded by this

  /** Records one successful call's latency. */
  synchronized void add(long nanos) {
    samples[(int) (added % SIZE)] = Math.max(0, nanos);
    added++;
  }

  /** Samples held, at most {@link #SIZE}. */
  synchronized int size() {
    return (int) Math.min(added, SIZE);
  }

  /** Samples added since creation. */
  synchronized long added() {
    return added;
  }

  /**
   * The {@code q}-quantile (nearest rank) of the samples held, or -1 when there are fewer than
   * {@code minSamples}.
   */
  long percentile(double q, int minSamples) {
    long[] copy;
    synchronized (this) {
      int n = (int) Math.min(added, SIZE);
      if (n < Math.max(1, minSamples)) {
        return -1;
      }
      copy = Arrays.copyOf(samples, n);
    }
    Arrays.sort(copy);
    int rank = (int) Math.ceil(q * copy.length);
    return copy[Math.min(copy.length, Math.max(1, rank)) - 1];
  }
}
