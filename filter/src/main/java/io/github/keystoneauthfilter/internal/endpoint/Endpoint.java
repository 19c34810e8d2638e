package io.github.keystoneauthfilter.internal.endpoint;

import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import java.net.URI;

/** One Keystone endpoint, as the pool sees it. */
public interface Endpoint {

  /** The endpoint's root URI, as configured (normalised). */
  URI uri();

  /**
   * Asks this endpoint about a token.
   *
   * @param token the token
   * @param deadline the time left for the whole request; no network wait may outlast it
   * @return a definite answer
   * @throws EndpointFailureException when this endpoint gave no definite answer
   */
  TokenValidation validate(AuthToken token, Deadline deadline) throws EndpointFailureException;
}
