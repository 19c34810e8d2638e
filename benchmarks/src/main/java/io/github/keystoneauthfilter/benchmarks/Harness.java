package io.github.keystoneauthfilter.benchmarks;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.KeystoneAuthConfigBuilder;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/** What the benchmarks share: a fake Keystone, a filter initialised against it, fake requests. */
final class Harness {
  static final String SERVICE_USER = "svc";
  static final String SERVICE_PASSWORD = "svc-pass";
  static final String SERVICE_PROJECT = "service";

  private Harness() {}

  /** A fake Keystone on 127.0.0.1 that knows the service user. */
  static FakeKeystone keystone() {
    return FakeKeystone.start().addServiceUser(SERVICE_USER, SERVICE_PASSWORD, SERVICE_PROJECT);
  }

  /**
   * A filter in front of {@code keystone}, initialised as a container would (through {@link
   * KeystoneAuthFilter#init(FilterConfig)} with a servlet context that only keeps attributes).
   *
   * @param settings changes to the default configuration (cache time, catalog, ...)
   */
  static KeystoneAuthFilter filter(
      FakeKeystone keystone, UnaryOperator<KeystoneAuthConfigBuilder> settings)
      throws ServletException {
    KeystoneAuthConfig config =
        settings
            .apply(
                KeystoneAuthConfig.builder()
                    .authUrl(keystone.uri() + "/v3")
                    .username(SERVICE_USER)
                    .password(SERVICE_PASSWORD)
                    .projectName(SERVICE_PROJECT))
            .build();
    KeystoneAuthFilter filter = new KeystoneAuthFilter(config);
    filter.init(filterConfig());
    return filter;
  }

  /** A project-scoped identity shaped like the real Keystone's demo token: two roles, a catalog. */
  static KeystoneTokenFixture demoLikeFixture() {
    return demoLikeFixture(true);
  }

  /**
   * Like the real Keystone's demo token: user and project named {@code demo} (random ids) in domain
   * {@code Default}, roles {@code member} and {@code reader}, and optionally the one-service
   * catalog (identity, three interfaces) a single-site Keystone has.
   */
  static KeystoneTokenFixture demoLikeFixture(boolean catalog) {
    KeystoneTokenFixture fixture =
        KeystoneTokenFixture.create()
            .user(KeystoneTokenFixture.hex(), "demo")
            .userDomain("default", "Default")
            .project(KeystoneTokenFixture.hex(), "demo")
            .projectDomain("default", "Default")
            .roles("member", "reader");
    if (catalog) {
      fixture.addService(
          "identity",
          "keystone",
          KeystoneTokenFixture.endpoint("public", "RegionOne", "http://127.0.0.1:5000/v3"),
          KeystoneTokenFixture.endpoint("internal", "RegionOne", "http://127.0.0.1:5000/v3"),
          KeystoneTokenFixture.endpoint("admin", "RegionOne", "http://127.0.0.1:5000/v3"));
    }
    return fixture;
  }

  /**
   * A request as wrk sends it through a container: Host, two ordinary headers, the token, and one
   * forged identity header that the filter must hide.
   */
  static BenchRequest request(String token) {
    return new BenchRequest(
        "Host", "127.0.0.1:8080",
        "User-Agent", "wrk",
        "Accept", "*/*",
        "X-Auth-Token", token,
        "X-Roles", "admin");
  }

  /** Runs the filter once on a fresh request and fails unless the chain was reached. */
  static String passOnce(KeystoneAuthFilter filter, String token) throws Exception {
    ReadUserId chain = new ReadUserId();
    BenchResponse response = new BenchResponse();
    filter.doFilter(request(token), response, chain);
    String seen = chain.seen;
    if (seen == null) {
      throw new IllegalStateException(
          "the filter did not pass the request on: " + response.getStatus());
    }
    return seen;
  }

  /** The application a cache-hit benchmark puts behind the filter: it reads one header. */
  static final class ReadUserId implements FilterChain {
    @Nullable String seen;

    @Override
    public void doFilter(ServletRequest request, ServletResponse response) {
      seen = ((HttpServletRequest) request).getHeader("X-User-Id");
    }
  }

  /** An application that does what the test webapp's echo servlet does: reads every header. */
  static final class ReadAllHeaders implements FilterChain {
    int chars;

    @Override
    public void doFilter(ServletRequest req, ServletResponse response) {
      HttpServletRequest request = (HttpServletRequest) req;
      int n = 0;
      for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
        String name = names.nextElement();
        n += name.length();
        for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements(); ) {
          n += values.nextElement().length();
        }
      }
      chars = n;
    }
  }

  /** A filter config whose servlet context only keeps attributes (all the filter asks of it). */
  static FilterConfig filterConfig() {
    Map<String, Object> attributes = new ConcurrentHashMap<>();
    ServletContext context =
        (ServletContext)
            Proxy.newProxyInstance(
                Harness.class.getClassLoader(),
                new Class<?>[] {ServletContext.class},
                (proxy, method, args) ->
                    switch (method.getName()) {
                      case "setAttribute" -> attributes.put((String) args[0], args[1]);
                      case "getAttribute" -> attributes.get((String) args[0]);
                      case "removeAttribute" -> attributes.remove((String) args[0]);
                      case "getContextPath" -> "";
                      case "log" -> null;
                      case "hashCode" -> System.identityHashCode(proxy);
                      case "equals" -> proxy == args[0];
                      case "toString" -> "bench ServletContext";
                      default ->
                          throw new UnsupportedOperationException(
                              "ServletContext." + method.getName());
                    });
    return new FilterConfig() {
      @Override
      public String getFilterName() {
        return "keystone-auth";
      }

      @Override
      public ServletContext getServletContext() {
        return context;
      }

      @Override
      public @Nullable String getInitParameter(String name) {
        return null;
      }

      @Override
      public Enumeration<String> getInitParameterNames() {
        return Collections.emptyEnumeration();
      }
    };
  }

  /** Seconds as a {@link Duration}; -1 disables the identity cache, as in keystonemiddleware. */
  static Duration seconds(long s) {
    return Duration.ofSeconds(s);
  }
}
