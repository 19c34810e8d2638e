package io.github.keystoneauthfilter.spring;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * Spring Security's 401 and 403, worded as keystonemiddleware and Keystone word them: the 401 is
 * the filter's own (JSON body and {@code WWW-Authenticate: Keystone uri="…"}), for requests the
 * filter passed on without an identity (with {@code delay_auth_decision}, or on an excluded path)
 * that the application's rules refuse; the 403 a JSON body in the same layout.
 */
final class KeystoneErrorResponses implements AuthenticationEntryPoint, AccessDeniedHandler {
  private static final byte[] UNAUTHORIZED =
      ("{\"error\": {\"code\": 401, \"title\": \"Unauthorized\", \"message\":"
              + " \"The request you have made requires authentication.\"}}")
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] FORBIDDEN =
      ("{\"error\": {\"code\": 403, \"title\": \"Forbidden\", \"message\":"
              + " \"You are not authorized to perform the requested action.\"}}")
          .getBytes(StandardCharsets.UTF_8);

  private final String challenge;

  /**
   * @param wwwAuthenticateUri the filter's {@code www_authenticate_uri}
   */
  KeystoneErrorResponses(String wwwAuthenticateUri) {
    this.challenge = "Keystone uri=\"" + wwwAuthenticateUri + "\"";
  }

  @Override
  public void commence(
      HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
      throws IOException {
    // The header first: the filter's response wrapper then sees its challenge already there.
    response.setHeader("WWW-Authenticate", challenge);
    write(response, HttpServletResponse.SC_UNAUTHORIZED, UNAUTHORIZED);
  }

  @Override
  public void handle(
      HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
      throws IOException {
    write(response, HttpServletResponse.SC_FORBIDDEN, FORBIDDEN);
  }

  private static void write(HttpServletResponse response, int status, byte[] body)
      throws IOException {
    if (response.isCommitted()) {
      return;
    }
    response.setStatus(status);
    response.setContentType("application/json");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }
}
