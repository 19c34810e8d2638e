package io.github.keystoneauthfilter.metrics;

/**
 * One Keystone endpoint of a filter, read-only, under {@code
 * io.github.keystoneauthfilter:type=KeystoneAuthFilter,name=<metrics_jmx_name>,endpoint="<url>"}.
 * Each attribute is the figure of the same name in {@link
 * io.github.keystoneauthfilter.metrics.MetricsSnapshot.Endpoint}.
 */
public interface KeystoneEndpointMXBean {
  /** The endpoint's URL. */
  String getUrl();

  /** Its breaker: CLOSED, OPEN or HALF_OPEN. */
  String getState();

  /** "Valid" answers. */
  long getValid();

  /** "Invalid" (404) answers. */
  long getInvalid();

  /** Calls that gave no answer. */
  long getFailures();

  /** Times it was skipped because its breaker refused. */
  long getSkipped();

  /** Times a validation went on to a later endpoint because this one failed or was skipped. */
  long getFailovers();

  /** Times its breaker opened. */
  long getTimesOpened();

  /** Calls made to it (answered or failed). */
  long getCalls();

  /** Time spent in those calls, added up, in milliseconds. */
  double getLatencyTotalMillis();

  /** The longest of those calls, in milliseconds. */
  double getLatencyMaxMillis();

  /** Calls still unanswered at their hedge delay, or answered after it. */
  long getLate();

  /** Hedges sent to this endpoint because the one asked before it was late. */
  long getHedgesSent();

  /** Of those, the ones whose answer was used. */
  long getHedgesWon();

  /** Times this endpoint was demoted for being late. */
  long getDemotions();

  /** Probe calls made while it was demoted. */
  long getProbes();

  /** Whether it is demoted now. */
  boolean isDemoted();

  /** The hedge delay last used for it, in milliseconds. */
  double getHedgeDelayMillis();

  /** The median of its last 256 answers, in milliseconds. */
  double getLatencyP50Millis();

  /** The 99th percentile of its last 256 answers, in milliseconds. */
  double getLatencyP99Millis();
}
