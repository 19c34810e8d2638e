package io.github.keystoneauthfilter.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a start-up stopped by a bad {@code keystone.auth.*} property into Spring Boot's short
 * "APPLICATION FAILED TO START" report: what is wrong (naming the property) and what to do, instead
 * of a stack trace.
 */
public final class KeystonePropertiesFailureAnalyzer
    extends AbstractFailureAnalyzer<InvalidKeystonePropertiesException> {

  @Override
  protected FailureAnalysis analyze(Throwable root, InvalidKeystonePropertiesException cause) {
    return new FailureAnalysis(
        "The Keystone filter's settings are not valid: " + cause.getMessage(),
        "Correct that keystone.auth.* property (in application.properties, an environment variable"
            + " such as KEYSTONE_AUTH_PASSWORD, or any other property source). docs/spring.md"
            + " lists every property.",
        cause);
  }
}
