package io.github.keystoneauthfilter.testwebapp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.keystoneauthfilter.EndpointStatus;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;

/**
 * Serves {@code GET /_keystone/endpoints} (each Keystone endpoint's breaker state, as JSON) ahead
 * of the auth filter, so it needs no token. Enabled with {@code --expose-endpoints}.
 */
final class EndpointsFilter extends HttpFilter {
  static final String PATH = "/_keystone/endpoints";
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Override
  protected void doFilter(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (!PATH.equals(request.getRequestURI())) {
      chain.doFilter(request, response);
      return;
    }
    Object filter = request.getServletContext().getAttribute(KeystoneAuthFilter.CONTEXT_ATTRIBUTE);
    if (!(filter instanceof KeystoneAuthFilter auth)) {
      response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "filter not initialised");
      return;
    }
    ArrayNode endpoints = MAPPER.createArrayNode();
    for (EndpointStatus status : auth.endpointStatuses()) {
      ObjectNode node = endpoints.addObject();
      node.put("url", status.url().toString());
      node.put("state", status.state());
      node.put("consecutiveFailures", status.consecutiveFailures());
      node.put("openings", status.openings());
      Instant until = status.openUntil();
      node.put("openUntil", until == null ? null : until.toString());
      node.put("answers", status.answers());
      node.put("failures", status.failures());
    }
    ObjectNode body = MAPPER.createObjectNode();
    body.set("endpoints", endpoints);
    response.setContentType("application/json");
    response.getOutputStream().write(MAPPER.writeValueAsBytes(body));
  }
}
