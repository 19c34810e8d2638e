package io.github.keystoneauthfilter;

import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.ErrorPage;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A servlet container on 127.0.0.1 running, for every dispatcher type (as the README tells users to
 * map it), {@link BoundaryApp.FrontEndAttributes} (REQUEST only), then {@link KeystoneAuthFilter}
 * configured by init-params, then {@link BoundaryApp} on every path and as the error page for every
 * status.
 */
abstract class BoundaryContainer implements AutoCloseable {
  final BoundaryApp app = new BoundaryApp();

  abstract int port();

  @Override
  public abstract void close() throws IOException;

  /** Sends {@code GET <target>} byte for byte (no client normalises it); the status, -1 if none. */
  int rawGet(String target, String... headers) throws IOException {
    StringBuilder request = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\n");
    request.append("Host: 127.0.0.1\r\nConnection: close\r\n");
    for (int i = 0; i < headers.length; i += 2) {
      request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    request.append("\r\n");
    try (Socket socket = new Socket("127.0.0.1", port())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      String head = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
      return head.startsWith("HTTP/1.1 ") ? Integer.parseInt(head.substring(9, 12)) : -1;
    }
  }

  /** Embedded Jetty 12 (ee10). */
  static final class Jetty extends BoundaryContainer {
    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);

    Jetty(Map<String, String> params) throws Exception {
      connector.setHost("127.0.0.1");
      server.addConnector(connector);
      ServletContextHandler context = new ServletContextHandler("/");
      EnumSet<DispatcherType> all = EnumSet.allOf(DispatcherType.class);
      FilterHolder frontEnd = new FilterHolder(new BoundaryApp.FrontEndAttributes());
      frontEnd.setAsyncSupported(true);
      context.addFilter(frontEnd, "/*", EnumSet.of(DispatcherType.REQUEST));
      FilterHolder filter = new FilterHolder(KeystoneAuthFilter.class);
      filter.setName("keystone-auth");
      filter.setAsyncSupported(true);
      params.forEach(filter::setInitParameter);
      context.addFilter(filter, "/*", all);
      ServletHolder servlet = new ServletHolder(app);
      servlet.setAsyncSupported(true);
      context.addServlet(servlet, "/*");
      ErrorPageErrorHandler errors = new ErrorPageErrorHandler();
      errors.addErrorPage(ErrorPageErrorHandler.GLOBAL_ERROR_PAGE, BoundaryApp.ERROR_PAGE);
      context.setErrorHandler(errors);
      server.setHandler(context);
      server.start();
    }

    @Override
    int port() {
      return connector.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      try {
        server.stop();
      } catch (Exception e) {
        throw new IOException("could not stop Jetty", e);
      }
    }
  }

  /** Embedded Tomcat 11. */
  static final class TomcatContainer extends BoundaryContainer {
    private final Tomcat tomcat = new Tomcat();
    private final Path baseDir;

    TomcatContainer(Map<String, String> params) throws Exception {
      baseDir = Files.createTempDirectory("tomcat-boundary");
      tomcat.setBaseDir(baseDir.toString());
      Connector connector = new Connector();
      connector.setPort(0);
      connector.setProperty("address", "127.0.0.1");
      tomcat.setConnector(connector);
      Context context = tomcat.addContext("", baseDir.toString());
      context.addFilterDef(filterDef("front-end", new BoundaryApp.FrontEndAttributes()));
      context.addFilterMap(filterMap("front-end", EnumSet.of(DispatcherType.REQUEST)));
      FilterDef filter = new FilterDef();
      filter.setFilterName("keystone-auth");
      filter.setFilterClass(KeystoneAuthFilter.class.getName());
      filter.setAsyncSupported("true");
      params.forEach(filter::addInitParameter);
      context.addFilterDef(filter);
      context.addFilterMap(filterMap("keystone-auth", EnumSet.allOf(DispatcherType.class)));
      Wrapper servlet = Tomcat.addServlet(context, "app", app);
      servlet.setAsyncSupported(true);
      context.addServletMapping("/", "app");
      ErrorPage errorPage = new ErrorPage(); // no code, no exception type: every error
      errorPage.setLocation(BoundaryApp.ERROR_PAGE);
      context.addErrorPage(errorPage);
      tomcat.start();
    }

    private static FilterDef filterDef(String name, jakarta.servlet.Filter instance) {
      FilterDef def = new FilterDef();
      def.setFilterName(name);
      def.setFilter(instance);
      def.setFilterClass(instance.getClass().getName());
      def.setAsyncSupported("true");
      return def;
    }

    private static FilterMap filterMap(String name, EnumSet<DispatcherType> types) {
      FilterMap map = new FilterMap();
      map.setFilterName(name);
      map.addURLPattern("/*");
      for (DispatcherType type : types) {
        map.setDispatcher(type.name());
      }
      return map;
    }

    @Override
    int port() {
      return tomcat.getConnector().getLocalPort();
    }

    @Override
    public void close() throws IOException {
      try {
        tomcat.stop();
        tomcat.destroy();
      } catch (LifecycleException e) {
        throw new IOException("could not stop Tomcat", e);
      }
      try (var files = Files.walk(baseDir)) {
        files
            .sorted(java.util.Comparator.reverseOrder())
            .map(Path::toFile)
            .forEach(f -> f.delete());
      }
    }
  }
}
