package io.github.keystoneauthfilter.spring;

/**
 * A {@code keystone.auth.*} value the filter refuses, or a required one missing: the filter's
 * message, with each option in it named by its property. Stops start-up; {@link
 * KeystonePropertiesFailureAnalyzer} reports it. Never holds a password or secret.
 */
public final class InvalidKeystonePropertiesException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  InvalidKeystonePropertiesException(String message, Throwable cause) {
    super(message, cause);
  }

  InvalidKeystonePropertiesException(String message) {
    super(message);
  }
}
