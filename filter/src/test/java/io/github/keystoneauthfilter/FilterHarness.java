package io.github.keystoneauthfilter;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A given filter instance in embedded Jetty on 127.0.0.1, in front of an app that answers 200 "ok";
 * Jetty calls its {@code init} (filter name {@code keystone-auth}) and {@code destroy}.
 */
final class FilterHarness implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Server server;
  private final URI base;

  private FilterHarness(Server server, URI base) {
    this.server = server;
    this.base = base;
  }

  static FilterHarness start(KeystoneAuthFilter filter) throws Exception {
    return start(filter, new Ok());
  }

  /** As {@link #start(KeystoneAuthFilter)}, in front of {@code app} instead. */
  static FilterHarness start(KeystoneAuthFilter filter, HttpServlet app) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    FilterHolder holder = new FilterHolder(filter);
    holder.setName("keystone-auth");
    context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(new ServletHolder(app), "/*");
    server.setHandler(context);
    server.start();
    return new FilterHarness(server, URI.create("http://127.0.0.1:" + connector.getLocalPort()));
  }

  /** GET {@code path} with these header name/value pairs; the status code. */
  int get(String path, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** GET {@code path} with these header name/value pairs; the body. */
  String body(String path, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** GET /app with this token; the status code. */
  int withToken(String token) throws IOException, InterruptedException {
    return get("/app", "X-Auth-Token", token);
  }

  @Override
  public void close() {
    try {
      server.stop(); // calls the filter's destroy()
    } catch (Exception e) {
      throw new IllegalStateException("could not stop Jetty", e);
    }
  }

  private static final class Ok extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      response.setContentType("text/plain");
      response.getWriter().write("ok");
    }
  }
}
