package io.github.keystoneauthfilter.internal.endpoint;

import java.net.URI;
import java.util.Objects;

/**
 * One endpoint gave no definite answer. Checked, so that the failover path cannot be forgotten. The
 * message names the endpoint and the reason, never a token.
 */
public final class EndpointFailureException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why an endpoint gave no answer. */
  public enum Kind {
    /**
     * The endpoint is down, hung, overloaded or answered garbage: counts towards its breaker and
     * the next endpoint is tried.
     */
    UNAVAILABLE,
    /**
     * The endpoint answered, but refused our service credentials or our request (401 twice, 403, or
     * 400 to the service login): an operator's mistake, not an outage. Logged loudly; does not open
     * the breaker; the next endpoint is tried.
     */
    MISCONFIGURED
  }

  private final Kind kind;
  private final transient URI endpoint;

  /**
   * Creates the exception.
   *
   * @param kind whether this counts as an outage
   * @param endpoint the endpoint that failed
   * @param reason what happened, without any token
   * @param cause the underlying error
   */
  public EndpointFailureException(Kind kind, URI endpoint, String reason, Throwable cause) {
    super(endpoint + ": " + reason, cause);
    this.kind = kind;
    this.endpoint = endpoint;
  }

  /** Creates the exception without an underlying error. */
  public EndpointFailureException(Kind kind, URI endpoint, String reason) {
    super(endpoint + ": " + reason);
    this.kind = kind;
    this.endpoint = endpoint;
  }

  /** The endpoint and the reason; never null (every constructor sets it). */
  @Override
  public String getMessage() {
    return Objects.requireNonNull(super.getMessage());
  }

  /** Whether this counts as an outage. */
  public Kind kind() {
    return kind;
  }

  /** The endpoint that failed. */
  public URI endpoint() {
    return endpoint;
  }
}
