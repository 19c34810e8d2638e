package io.github.keystoneauthfilter.internal.keystone;

import java.io.IOException;
import org.apache.hc.core5.http.HttpRequestInterceptor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Apache HttpClient 5's own DEBUG logging from writing secrets. At DEBUG, its logger {@value
 * #HEADERS} writes every request and response header (the service token in {@code X-Auth-Token},
 * the user's token in {@code X-Subject-Token}) and {@value #WIRE} every byte (also the login body
 * with the service password). HttpClient offers no redaction, so the filter refuses to start while
 * either logger is at DEBUG, and refuses every Keystone call while it is (loggers can change at run
 * time), in an interceptor that runs before HttpClient sends or logs anything. {@link
 * KeystoneClient} turns that refusal into a misconfiguration: a request gets 503, no breaker opens,
 * and an ERROR line says why, at most once a minute per endpoint.
 *
 * <p>HttpClient logs through SLF4J, so this asks SLF4J, whatever binding the application uses.
 */
final class HttpLogGuard {
  static final String HEADERS = "org.apache.hc.client5.http.headers";
  static final String WIRE = "org.apache.hc.client5.http.wire";
  static final String FIX =
      "set "
          + HEADERS
          + " and "
          + WIRE
          + " to INFO or above: at DEBUG they would log Keystone tokens and the service password";

  private static final Logger HEADER_LOG = LoggerFactory.getLogger(HEADERS);
  private static final Logger WIRE_LOG = LoggerFactory.getLogger(WIRE);

  /** Runs {@link #checkBeforeCall()} before HttpClient sends (and logs) anything. */
  static final HttpRequestInterceptor INTERCEPTOR = (request, entity, context) -> checkBeforeCall();

  private HttpLogGuard() {}

  /** The name of a logger that would write secrets now, or null when both are above DEBUG. */
  static @Nullable String leakingLogger() {
    if (HEADER_LOG.isDebugEnabled()) {
      return HEADERS;
    }
    if (WIRE_LOG.isDebugEnabled()) {
      return WIRE;
    }
    return null;
  }

  /**
   * At start.
   *
   * @throws IllegalStateException naming the logger and the fix, if one is at DEBUG
   */
  static void checkAtStart() {
    String logger = leakingLogger();
    if (logger != null) {
      throw new IllegalStateException("logger " + logger + " is at DEBUG; " + FIX);
    }
  }

  /**
   * Before each Keystone call.
   *
   * @throws SecretsWouldBeLoggedException if a logger is at DEBUG
   */
  static void checkBeforeCall() throws SecretsWouldBeLoggedException {
    String logger = leakingLogger();
    if (logger != null) {
      throw new SecretsWouldBeLoggedException("logger " + logger + " is at DEBUG; " + FIX);
    }
  }

  /** The refusal behind a failed call, or null when it failed for another reason. */
  static @Nullable SecretsWouldBeLoggedException refusal(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof SecretsWouldBeLoggedException refused) {
        return refused;
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return null;
  }

  /** A Keystone call refused before anything was sent, because it would have been logged. */
  static final class SecretsWouldBeLoggedException extends IOException {
    private static final long serialVersionUID = 1L;

    SecretsWouldBeLoggedException(String message) {
      super(message);
    }
  }
}
