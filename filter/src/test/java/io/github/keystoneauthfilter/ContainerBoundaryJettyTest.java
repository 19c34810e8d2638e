package io.github.keystoneauthfilter;

import java.util.Map;

/** {@link ContainerBoundaryScenarios} on embedded Jetty 12 (ee10). */
class ContainerBoundaryJettyTest extends ContainerBoundaryScenarios {
  @Override
  BoundaryContainer start(Map<String, String> params) throws Exception {
    return new BoundaryContainer.Jetty(params);
  }
}
