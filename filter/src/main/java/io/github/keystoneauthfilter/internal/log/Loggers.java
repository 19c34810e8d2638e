package io.github.keystoneauthfilter.internal.log;

/** Logger names that users' logging configurations rely on. */
public final class Loggers {
  private Loggers() {}

  /**
   * The filter's logger: the validator and the wiring log under it too, so the lines the filter
   * always logged there (start, insecure=true, memcached, refusals) stay where configurations look
   * for them. A string, not {@code KeystoneAuthFilter.class}: that class needs the servlet API.
   */
  public static final String FILTER = "io.github.keystoneauthfilter.KeystoneAuthFilter";
}
