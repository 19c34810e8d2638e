package io.github.keystoneauthfilter;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The application behind the filter in the container-boundary tests, the same on every container:
 *
 * <ul>
 *   <li>{@code /senderror/<code>}: {@code sendError(code)}; the error page ({@link #ERROR_PAGE},
 *       for every status) is the echo, so the body is what the ERROR dispatch saw;
 *   <li>{@code /forward/<path>} and {@code /include/<path>}: forward to, or include, {@code
 *       /<path>} with the container's own request and response (every wrapper removed, as code
 *       reaching for the native request, or a dispatch started from it, passes them);
 *   <li>{@code /async/<path>}: {@code startAsync()} (the original request) and {@code
 *       dispatch("/<path>")};
 *   <li>anything else: the echo, which writes {@code dispatch: TYPE}, every header it sees ({@code
 *       name: value} lines) and the identity attributes.
 * </ul>
 *
 * A leading {@code /public} is ignored for routing, so the same paths work under {@code
 * excluded_paths=/public/*}.
 */
final class BoundaryApp extends HttpServlet {
  private static final long serialVersionUID = 1L;

  static final String ERROR_PAGE = "/errorpage";

  /** The attribute name the filter used as its "already filtered" mark before issue 13. */
  static final String OLD_MARK = KeystoneAuthFilter.class.getName() + ".filtered";

  /** Times the echo ran, on any dispatch. */
  final transient AtomicInteger echoes = new AtomicInteger();

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException, ServletException {
    String path = request.getRequestURI();
    String route = path.startsWith("/public/") ? path.substring("/public".length()) : path;
    if (request.getDispatcherType() == DispatcherType.INCLUDE
        || request.getDispatcherType() == DispatcherType.ERROR) {
      echo(request, response); // an included or error page shows the including request's path
    } else if (route.startsWith("/senderror/")) {
      response.sendError(Integer.parseInt(route.substring("/senderror/".length())));
    } else if (route.startsWith("/forward/")) {
      request
          .getRequestDispatcher(route.substring("/forward".length()))
          .forward(unwrap(request), unwrap(response));
    } else if (route.startsWith("/include/")) {
      request
          .getRequestDispatcher(route.substring("/include".length()))
          .include(unwrap(request), unwrap(response));
    } else if (route.startsWith("/async/")) {
      AsyncContext async = request.startAsync();
      async.setTimeout(30_000);
      async.dispatch(route.substring("/async".length()));
    } else {
      echo(request, response);
    }
  }

  private void echo(HttpServletRequest request, HttpServletResponse response) throws IOException {
    echoes.incrementAndGet();
    StringBuilder body = new StringBuilder();
    body.append("dispatch: ").append(request.getDispatcherType()).append('\n');
    for (String name : Collections.list(request.getHeaderNames())) {
      for (String value : Collections.list(request.getHeaders(name))) {
        body.append(name).append(": ").append(value).append('\n');
      }
    }
    attribute(body, "user", request.getAttribute(KeystoneAuthFilter.IDENTITY_ATTRIBUTE));
    attribute(body, "service", request.getAttribute(KeystoneAuthFilter.SERVICE_IDENTITY_ATTRIBUTE));
    response.setContentType("text/plain;charset=UTF-8");
    response.getOutputStream().write(body.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static void attribute(StringBuilder body, String which, Object value) {
    if (value instanceof Identity identity) {
      body.append("attribute-").append(which).append("-id: ").append(identity.userId());
      body.append('\n');
    } else if (value != null) {
      body.append("attribute-").append(which).append(": ").append(value).append('\n');
    }
  }

  private static ServletRequest unwrap(ServletRequest request) {
    ServletRequest current = request;
    while (current instanceof ServletRequestWrapper wrapper) {
      current = wrapper.getRequest();
    }
    return current;
  }

  private static ServletResponse unwrap(ServletResponse response) {
    ServletResponse current = response;
    while (current instanceof ServletResponseWrapper wrapper) {
      current = wrapper.getResponse();
    }
    return current;
  }

  /**
   * Stands in for a front end that passes request attributes to the application (AJP does, as
   * strings), before the filter runs; mapped for REQUEST only. {@code X-Test-Front-End: mark} sets
   * the filter's old "already filtered" mark, {@code X-Test-Front-End: identity} the identity
   * attributes, as strings.
   */
  static final class FrontEndAttributes implements Filter {
    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      String what = ((HttpServletRequest) request).getHeader("X-Test-Front-End");
      if ("mark".equals(what)) {
        request.setAttribute(OLD_MARK, "true");
      } else if ("identity".equals(what)) {
        request.setAttribute(KeystoneAuthFilter.IDENTITY_ATTRIBUTE, "forged-user");
        request.setAttribute(KeystoneAuthFilter.SERVICE_IDENTITY_ATTRIBUTE, "forged-service");
      }
      chain.doFilter(request, response);
    }
  }
}
