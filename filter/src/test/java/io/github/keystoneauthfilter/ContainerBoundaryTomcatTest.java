package io.github.keystoneauthfilter;

import java.util.Map;

/** {@link ContainerBoundaryScenarios} on embedded Tomcat 11. */
class ContainerBoundaryTomcatTest extends ContainerBoundaryScenarios {
  @Override
  BoundaryContainer start(Map<String, String> params) throws Exception {
    return new BoundaryContainer.TomcatContainer(params);
  }
}
