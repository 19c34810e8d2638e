package io.github.keystoneauthfilter.samples.webxml;

import io.github.keystoneauthfilter.IdentityHeaders;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Arrays;

/**
 * {@code GET /api/hello} greets the caller; {@code GET /api/admin} answers 403 unless the caller
 * has the role named by the context-param {@code admin-role}. Both read only the identity headers
 * the filter injected, as a keystonemiddleware-protected app reads its WSGI environment.
 */
public final class ApiServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  /** The context-param naming the role {@code /api/admin} requires. */
  public static final String ADMIN_ROLE_PARAM = "admin-role";

  private String adminRole = "admin";

  @Override
  public void init() throws ServletException {
    String role = getServletContext().getInitParameter(ADMIN_ROLE_PARAM);
    if (role != null && !role.isBlank()) {
      adminRole = role.strip();
    }
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    if (!IdentityHeaders.CONFIRMED.equals(request.getHeader(IdentityHeaders.IDENTITY_STATUS))) {
      // Only reachable with delay_auth_decision=true: the filter then leaves the answer to us.
      text(response, HttpServletResponse.SC_UNAUTHORIZED, "a valid X-Auth-Token is required");
      return;
    }
    String user = request.getHeader(IdentityHeaders.USER_NAME);
    String project = request.getHeader(IdentityHeaders.PROJECT_NAME);
    String roles = request.getHeader(IdentityHeaders.ROLES);
    switch (request.getServletPath()) {
      case "/api/hello" ->
          text(response, 200, "hello, " + user + " of " + project + ", roles " + roles);
      case "/api/admin" -> {
        if (Arrays.asList(roles.split(",")).contains(adminRole)) {
          text(response, 200, "welcome, " + user + ": you have the role " + adminRole);
        } else {
          text(
              response, HttpServletResponse.SC_FORBIDDEN, "the role " + adminRole + " is required");
        }
      }
      default -> text(response, HttpServletResponse.SC_NOT_FOUND, "not found");
    }
  }

  private static void text(HttpServletResponse response, int status, String body)
      throws IOException {
    response.setStatus(status);
    response.setContentType("text/plain;charset=UTF-8");
    response.getWriter().println(body);
  }
}
