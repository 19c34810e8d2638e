package io.github.keystoneauthfilter.internal.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The filter's own answers, as keystonemiddleware words them: 401 and 503. */
public final class Responses {
  private static final byte[] UNAUTHORIZED_BODY =
      ("{\"error\": {\"code\": 401, \"title\": \"Unauthorized\", \"message\":"
              + " \"The request you have made requires authentication.\"}}")
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] UNAVAILABLE_JSON =
      ("{\"error\": {\"code\": 503, \"title\": \"Service Unavailable\", \"message\":"
              + " \"The Keystone service is temporarily unavailable.\"}}")
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] UNAVAILABLE_TEXT =
      "503 Service Unavailable\n\nThe Keystone service is temporarily unavailable.\n"
          .getBytes(StandardCharsets.UTF_8);

  private final String challenge;

  /**
   * @param wwwAuthenticateUri the Keystone named in {@code WWW-Authenticate} ({@code
   *     www_authenticate_uri})
   */
  public Responses(String wwwAuthenticateUri) {
    this.challenge = "Keystone uri=\"" + wwwAuthenticateUri + "\"";
  }

  /** The {@code WWW-Authenticate} value, also added to the application's own 401s. */
  public String challenge() {
    return challenge;
  }

  /** keystonemiddleware's 401: JSON body and {@code WWW-Authenticate: Keystone uri="…"}. */
  public void unauthorized(HttpServletResponse response) throws IOException {
    response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
    response.setHeader("WWW-Authenticate", challenge);
    write(response, "application/json", UNAUTHORIZED_BODY);
  }

  /**
   * No Keystone could answer: 503 with {@code Retry-After} (whole seconds, at least 1) when known,
   * and a body in JSON when the client accepts it, else plain text.
   */
  public void unavailable(
      HttpServletRequest request, HttpServletResponse response, @Nullable Duration retryAfter)
      throws IOException {
    response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
    if (retryAfter != null) {
      long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
      response.setHeader("Retry-After", Long.toString(seconds));
    }
    String accept = request.getHeader("Accept");
    if (accept != null && accept.toLowerCase(Locale.ROOT).contains("application/json")) {
      write(response, "application/json", UNAVAILABLE_JSON);
    } else {
      write(response, "text/plain;charset=UTF-8", UNAVAILABLE_TEXT);
    }
  }

  private static void write(HttpServletResponse response, String contentType, byte[] body)
      throws IOException {
    response.setContentType(contentType);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }
}
