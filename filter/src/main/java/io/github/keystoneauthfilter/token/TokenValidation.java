package io.github.keystoneauthfilter.token;

import java.util.Objects;

/**
 * A definite answer about a token: the outcomes that may be cached. "Keystone could not be asked"
 * is not one of them; it is a {@link KeystoneUnavailableException}.
 */
public sealed interface TokenValidation {

  /** Keystone vouched for the token. */
  record Valid(Identity identity) implements TokenValidation {
    /** Checks the identity is present. */
    public Valid {
      Objects.requireNonNull(identity, "identity");
    }
  }

  /**
   * Keystone said the token is not valid (unknown, expired or revoked), or a local check failed.
   *
   * @param reason a short reason for logs; never contains the token
   */
  record Invalid(String reason) implements TokenValidation {
    /** Checks the reason is present. */
    public Invalid {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
