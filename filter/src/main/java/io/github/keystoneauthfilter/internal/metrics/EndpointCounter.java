package io.github.keystoneauthfilter.internal.metrics;

import io.github.keystoneauthfilter.internal.endpoint.EndpointMember;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * Every figure of one Keystone endpoint, defined once: how it is read from the endpoint, and, for
 * the plain counters, what it is called as a Micrometer meter (tagged with the endpoint). The
 * snapshot, the JMX attributes and the Micrometer meters all read through these constants.
 */
public enum EndpointCounter {
  VALID(EndpointMember::valid, Names.VALIDATIONS, Names.VALIDATIONS_TEXT, "result", "valid"),
  INVALID(EndpointMember::invalid, Names.VALIDATIONS, Names.VALIDATIONS_TEXT, "result", "invalid"),
  FAILURES(
      EndpointMember::failures,
      "keystone.auth.endpoint.failures",
      "Calls to a Keystone endpoint that gave no answer",
      null,
      null),
  SKIPPED(
      EndpointMember::skipped,
      "keystone.auth.endpoint.skipped",
      "Times a Keystone endpoint was not asked because its breaker refused",
      null,
      null),
  FAILOVERS(
      EndpointMember::failovers,
      "keystone.auth.endpoint.failovers",
      "Times a validation went on to the next endpoint because this one failed or was skipped",
      null,
      null),
  TIMES_OPENED(
      member -> member.breaker().timesOpened(),
      "keystone.auth.endpoint.breaker.openings",
      "Times a Keystone endpoint's circuit breaker opened",
      null,
      null),
  LATE(
      EndpointMember::late,
      "keystone.auth.endpoint.late",
      "Calls to a Keystone endpoint still unanswered at their hedge delay, or answered after it",
      null,
      null),
  HEDGES_SENT(EndpointMember::hedgesSent, Names.HEDGES, Names.HEDGES_TEXT, "outcome", "sent"),
  HEDGES_WON(EndpointMember::hedgesWon, Names.HEDGES, Names.HEDGES_TEXT, "outcome", "won"),
  DEMOTIONS(
      EndpointMember::demotions,
      "keystone.auth.endpoint.demotions",
      "Times a Keystone endpoint was demoted behind the others for being late",
      null,
      null),
  PROBES(
      EndpointMember::probes,
      "keystone.auth.endpoint.probes",
      "Probe calls to a Keystone endpoint while it was demoted",
      null,
      null),
  /** 1 while the endpoint is demoted, else 0: a gauge. */
  DEMOTED(member -> member.demoted() ? 1 : 0, null, null, null, null),
  /** The hedge delay last used, in nanoseconds: a gauge. */
  HEDGE_DELAY_NANOS(EndpointMember::hedgeDelayNanos, null, null, null, null),
  /** The median of the recent answers, in nanoseconds: a gauge. */
  LATENCY_P50_NANOS(member -> member.latencyPercentileNanos(0.50), null, null, null, null),
  /** The 99th percentile of the recent answers, in nanoseconds: a gauge. */
  LATENCY_P99_NANOS(member -> member.latencyPercentileNanos(0.99), null, null, null, null),
  /** Calls made (answered or failed): the count of the latency timer. */
  CALLS(EndpointMember::calls, null, null, null, null),
  /** Time spent in those calls, in nanoseconds: the total of the latency timer. */
  CALL_NANOS(EndpointMember::callNanos, null, null, null, null),
  /** The longest of those calls, in nanoseconds. */
  MAX_CALL_NANOS(EndpointMember::maxCallNanos, null, null, null, null);

  /** Meter names and descriptions used by more than one constant. */
  private static final class Names {
    static final String VALIDATIONS = "keystone.auth.endpoint.validations";
    static final String VALIDATIONS_TEXT = "Definite answers of a Keystone endpoint, by result";
    static final String HEDGES = "keystone.auth.endpoint.hedges";
    static final String HEDGES_TEXT =
        "Hedges sent to a Keystone endpoint because the one asked before it was late, and those"
            + " whose answer was used";
  }

  // Each constant's reading is a method reference that captures nothing: immutable.
  @SuppressWarnings("ImmutableEnumChecker")
  private final ToLongFunction<EndpointMember> reading;

  private final @Nullable String meter;
  private final @Nullable String description;
  private final @Nullable String tagKey;
  private final @Nullable String tagValue;

  EndpointCounter(
      ToLongFunction<EndpointMember> reading,
      @Nullable String meter,
      @Nullable String description,
      @Nullable String tagKey,
      @Nullable String tagValue) {
    this.reading = reading;
    this.meter = meter;
    this.description = description;
    this.tagKey = tagKey;
    this.tagValue = tagValue;
  }

  /** The figure of {@code member} now. */
  public long read(EndpointMember member) {
    return reading.applyAsLong(member);
  }

  /** The figure of endpoint {@code index} now (0 before start or past the end). */
  public long read(FilterMetrics metrics, int index) {
    return metrics.endpoint(index, reading);
  }

  /**
   * Its Micrometer counter name, or null when it is offered another way (the latency meters and the
   * gauges).
   */
  public @Nullable String meter() {
    return meter;
  }

  /** Its Micrometer description, or null with {@link #meter}. */
  public @Nullable String description() {
    return description;
  }

  /** The tag telling it apart from the others of its meter name, or null. */
  public @Nullable String tagKey() {
    return tagKey;
  }

  /** The value of {@link #tagKey}, or null. */
  public @Nullable String tagValue() {
    return tagValue;
  }
}
