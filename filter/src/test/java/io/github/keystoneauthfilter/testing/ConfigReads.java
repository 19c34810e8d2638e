package io.github.keystoneauthfilter.testing;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.config.Credentials;

/** Typed reads of a built config's login, failing clearly when it is the other kind. */
public final class ConfigReads {
  private ConfigReads() {}

  /** The password login of {@code config}; an assertion error if it logs in otherwise. */
  public static Credentials.Password passwordLogin(KeystoneAuthConfig config) {
    if (config.credentials() instanceof Credentials.Password p) {
      return p;
    }
    throw new AssertionError("expected a password login, got " + config.credentials());
  }

  /** The application-credential login of {@code config}; an assertion error otherwise. */
  public static Credentials.ApplicationCredential applicationCredential(KeystoneAuthConfig config) {
    if (config.credentials() instanceof Credentials.ApplicationCredential a) {
      return a;
    }
    throw new AssertionError("expected an application credential, got " + config.credentials());
  }
}
