package io.github.keystoneauthfilter.internal.token;

/**
 * Turns a token into a definite answer. The cache decorates the endpoint pool behind this one
 * method.
 */
@FunctionalInterface
public interface TokenValidator {

  /**
   * Validates a token.
   *
   * @param token the token to validate
   * @return {@link TokenValidation.Valid} or {@link TokenValidation.Invalid}
   * @throws KeystoneUnavailableException when no Keystone endpoint could give an answer
   */
  TokenValidation validate(AuthToken token);
}
