package io.github.keystoneauthfilter.keystone;

import io.github.keystoneauthfilter.log.LogThrottle;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
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
 * time): a request then gets 503, and an ERROR line says why, at most once a minute.
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

  private static final System.Logger LOG = System.getLogger(HttpLogGuard.class.getName());
  private static final Logger HEADER_LOG = LoggerFactory.getLogger(HEADERS);
  private static final Logger WIRE_LOG = LoggerFactory.getLogger(WIRE);
  private static final LogThrottle REFUSAL_LOG = new LogThrottle(Duration.ofMinutes(1));

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
   * @throws SecretsWouldBeLoggedException if a logger is at DEBUG (logged at most once a minute)
   */
  static void checkBeforeCall() throws SecretsWouldBeLoggedException {
    String logger = leakingLogger();
    if (logger == null) {
      return;
    }
    if (REFUSAL_LOG.allow()) {
      LOG.log(
          Level.ERROR,
          "Keystone call refused: logger {0} is at DEBUG; {1}. This is a configuration problem,"
              + " not an outage; requests get 503 until it is fixed (logged at most once a"
              + " minute).",
          logger,
          FIX);
    }
    throw new SecretsWouldBeLoggedException("logger " + logger + " is at DEBUG; " + FIX);
  }

  /** A Keystone call refused before anything was sent, because it would have been logged. */
  static final class SecretsWouldBeLoggedException extends IOException {
    private static final long serialVersionUID = 1L;

    SecretsWouldBeLoggedException(String message) {
      super(message);
    }
  }
}
