package io.github.keystoneauthfilter.testwebapp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Serves one JSON page about the auth filter at a fixed path, ahead of the auth filter, so it needs
 * no token; every other request goes on down the chain. 503 until the auth filter is initialised.
 */
abstract class StatusPageFilter extends HttpFilter {
  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final long serialVersionUID = 1L;

  private final String path;

  StatusPageFilter(String path) {
    this.path = path;
  }

  /** The page, from the initialised auth filter. */
  abstract ObjectNode body(KeystoneAuthFilter auth);

  @Override
  protected final void doFilter(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (!path.equals(request.getRequestURI())) {
      chain.doFilter(request, response);
      return;
    }
    Object filter = request.getServletContext().getAttribute(KeystoneAuthFilter.CONTEXT_ATTRIBUTE);
    if (!(filter instanceof KeystoneAuthFilter auth)) {
      response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "filter not initialised");
      return;
    }
    response.setContentType("application/json");
    response.getOutputStream().write(MAPPER.writeValueAsBytes(body(auth)));
  }
}
