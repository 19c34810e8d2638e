package io.github.keystoneauthfilter.testwebapp;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Second passes of one request, so that tests can check that none sees a forged identity:
 *
 * <ul>
 *   <li>{@code /senderror/<code>}: {@code response.sendError(code)} (the error page is the echo);
 *   <li>{@code /forward/<path>} and {@code /include/<path>}: forward to, or include, the echo at
 *       {@code /<path>}, handing over the container's own request and response (every wrapper
 *       removed, as code that reaches for the native request does), so the target sees only what
 *       the filter's pass on that dispatch gives it;
 *   <li>{@code /async/<path>}: {@code startAsync()} (which holds the original request) and {@code
 *       dispatch("/<path>")} to the echo.
 * </ul>
 */
final class DispatchServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  /** The paths this servlet is mapped to. */
  static final String[] PATTERNS = {"/senderror/*", "/forward/*", "/include/*", "/async/*"};

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException, ServletException {
    String target = request.getPathInfo() == null ? "/" : request.getPathInfo();
    switch (request.getServletPath()) {
      case "/senderror" -> sendError(response, target);
      case "/forward" ->
          request.getRequestDispatcher(target).forward(unwrap(request), unwrap(response));
      case "/include" ->
          request.getRequestDispatcher(target).include(unwrap(request), unwrap(response));
      case "/async" -> {
        AsyncContext async = request.startAsync();
        async.setTimeout(60_000);
        async.dispatch(target);
      }
      default -> response.sendError(HttpServletResponse.SC_NOT_FOUND);
    }
  }

  private static void sendError(HttpServletResponse response, String target) throws IOException {
    String code = target.substring(1);
    if (!code.matches("[45]\\d\\d")) {
      response.sendError(HttpServletResponse.SC_BAD_REQUEST, "/senderror/<4xx or 5xx>");
      return;
    }
    response.sendError(Integer.parseInt(code));
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
}
