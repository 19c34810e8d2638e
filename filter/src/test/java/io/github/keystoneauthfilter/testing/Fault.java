package io.github.keystoneauthfilter.testing;

import java.time.Duration;
import java.util.Objects;

/**
 * A misbehaviour {@link FakeKeystone} applies to every request it receives after {@link
 * FakeKeystone#fault(Fault)}, until another fault (or {@link #none()}) replaces it.
 */
public sealed interface Fault
    permits Fault.None,
        Fault.Status,
        Fault.Body,
        Fault.Hang,
        Fault.Refuse,
        Fault.Delay,
        Fault.Trickle {

  /** The body {@link #garbage()} answers with. */
  String GARBAGE = "<html>not json</html>";

  /** Behave normally. */
  static Fault none() {
    return None.INSTANCE;
  }

  /** Answer every request with this status and a small Keystone-style JSON error body. */
  static Fault status(int code) {
    return new Status(code);
  }

  /** Answer 200, {@code Content-Type: application/json}, body {@code <html>not json</html>}. */
  static Fault garbage() {
    return new Body(GARBAGE);
  }

  /**
   * Answer validations 200 with exactly this body (logins: a normal 201 with a valid {@code
   * X-Subject-Token}, but this body).
   */
  static Fault body(String json) {
    return new Body(json);
  }

  /**
   * Accept requests and never answer until the fault is cleared or the server closes (60 s at most,
   * then 504). Requests released by a change of fault are answered as the new fault says.
   */
  static Fault hang() {
    return Hang.INSTANCE;
  }

  /** Stop listening: connections are refused until the fault is cleared (same port then). */
  static Fault refuse() {
    return Refuse.INSTANCE;
  }

  /** Answer normally, but only after {@code delay}. */
  static Fault delay(Duration delay) {
    return new Delay(delay);
  }

  /**
   * Answer normally (status, headers and {@code Content-Length} at once), but send the body one
   * byte every {@code interval}, flushing each; after {@link FakeKeystone#MAX_HANG} the rest goes
   * at once. Each read of the client returns well within a read timeout longer than the interval,
   * yet the whole answer takes about its length times the interval.
   */
  static Fault trickle(Duration interval) {
    return new Trickle(interval);
  }

  /** See {@link #none()}. */
  enum None implements Fault {
    INSTANCE
  }

  /** See {@link #status(int)}. */
  record Status(int code) implements Fault {
    public Status {
      if (code < 100 || code > 599) {
        throw new IllegalArgumentException("not an HTTP status: " + code);
      }
    }
  }

  /** See {@link #body(String)} and {@link #garbage()}. */
  record Body(String json) implements Fault {
    public Body {
      Objects.requireNonNull(json, "json");
    }
  }

  /** See {@link #hang()}. */
  enum Hang implements Fault {
    INSTANCE
  }

  /** See {@link #refuse()}. */
  enum Refuse implements Fault {
    INSTANCE
  }

  /** See {@link #delay(Duration)}. */
  record Delay(Duration delay) implements Fault {
    public Delay {
      if (delay.isNegative()) {
        throw new IllegalArgumentException("negative delay: " + delay);
      }
    }
  }

  /** See {@link #trickle(Duration)}. */
  record Trickle(Duration interval) implements Fault {
    public Trickle {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("interval must be positive: " + interval);
      }
    }
  }
}
