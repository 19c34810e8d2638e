package io.github.keystoneauthfilter.testwebapp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;

/**
 * Answers any method on any path with 200 and {@code {"method", "path", "dispatch", "headers":
 * {name: [values]}}}, every header the request (as the filter wrapped it) shows, and the dispatcher
 * type of this pass ({@code REQUEST}, {@code FORWARD}, {@code INCLUDE}, {@code ERROR}, {@code
 * ASYNC}); {@code /status/<code>} answers with that status and the same body. As the error page
 * ({@link #ERROR_PAGE}) it keeps the error's status.
 */
final class EchoServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Where the container sends every error (an ERROR dispatch); served by this servlet. */
  static final String ERROR_PAGE = "/error";

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String path = request.getRequestURI();
    ObjectNode body = MAPPER.createObjectNode();
    body.put("method", request.getMethod());
    body.put("path", path);
    body.put("dispatch", request.getDispatcherType().name());
    ObjectNode headers = body.putObject("headers");
    for (String name : Collections.list(request.getHeaderNames())) {
      ArrayNode values = headers.putArray(name);
      Collections.list(request.getHeaders(name)).forEach(values::add);
    }
    if (request.getDispatcherType() != DispatcherType.ERROR) {
      response.setStatus(status(path));
    }
    response.setContentType("application/json");
    byte[] bytes = MAPPER.writeValueAsBytes(body);
    response.setContentLength(bytes.length);
    if (!"HEAD".equals(request.getMethod())) {
      response.getOutputStream().write(bytes);
    }
  }

  private static int status(String path) {
    if (path.startsWith("/status/")) {
      String code = path.substring("/status/".length());
      if (code.matches("[1-5]\\d\\d")) {
        return Integer.parseInt(code);
      }
    }
    return HttpServletResponse.SC_OK;
  }
}
