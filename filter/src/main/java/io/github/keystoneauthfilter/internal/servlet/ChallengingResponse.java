package io.github.keystoneauthfilter.internal.servlet;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;

/**
 * Adds {@code WWW-Authenticate: Keystone uri="…"} to a 401 the application answers itself, as
 * keystonemiddleware does; the application's own {@code WWW-Authenticate} is kept beside it. The
 * challenge is added once per response, however many times the response is wrapped.
 */
public final class ChallengingResponse extends HttpServletResponseWrapper {
  private final String challenge;
  private boolean challenged;

  public ChallengingResponse(HttpServletResponse response, String challenge) {
    super(response);
    this.challenge = challenge;
  }

  @Override
  public void setStatus(int status) {
    challengeIf(status);
    super.setStatus(status);
  }

  @Override
  public void sendError(int status) throws IOException {
    challengeIf(status);
    super.sendError(status);
  }

  @Override
  public void sendError(int status, String message) throws IOException {
    challengeIf(status);
    super.sendError(status, message);
  }

  private void challengeIf(int status) {
    // The response may pass through this wrapper twice (a second dispatch of the request wraps
    // it again under an application's own wrapper): one challenge is enough.
    if (status == SC_UNAUTHORIZED
        && !challenged
        && !isCommitted()
        && !getHeaders("WWW-Authenticate").contains(challenge)) {
      challenged = true;
      addHeader("WWW-Authenticate", challenge);
    }
  }
}
