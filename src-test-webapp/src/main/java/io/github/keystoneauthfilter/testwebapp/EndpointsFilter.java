package io.github.keystoneauthfilter.testwebapp;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.metrics.EndpointStatus;
import java.time.Instant;

/**
 * Serves {@code GET /_keystone/endpoints} (each Keystone endpoint's breaker state, as JSON) ahead
 * of the auth filter, so it needs no token. Enabled with {@code --expose-endpoints}.
 */
final class EndpointsFilter extends StatusPageFilter {
  static final String PATH = "/_keystone/endpoints";
  private static final long serialVersionUID = 1L;

  EndpointsFilter() {
    super(PATH);
  }

  @Override
  ObjectNode body(KeystoneAuthFilter auth) {
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
      node.put("demoted", status.demoted());
    }
    ObjectNode body = MAPPER.createObjectNode();
    body.set("endpoints", endpoints);
    return body;
  }
}
