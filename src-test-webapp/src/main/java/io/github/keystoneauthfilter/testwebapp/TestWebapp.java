package io.github.keystoneauthfilter.testwebapp;

import io.github.keystoneauthfilter.KeystoneAuthFilter;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Properties;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.jspecify.annotations.Nullable;

/**
 * The runnable test webapp (DESIGN.md §4): an echo servlet on 127.0.0.1, behind {@link
 * KeystoneAuthFilter} configured from a properties file, or with no filter at all.
 *
 * <pre>
 * java -jar test-webapp.jar --port PORT --config FILE.properties [--expose-endpoints] [--expose-metrics]
 *     [--virtual-threads]
 * java -jar test-webapp.jar --port PORT --no-filter [--virtual-threads]
 * </pre>
 *
 * <p>{@code --virtual-threads} (Java 21 or later) runs each request, filter and servlet included,
 * on a virtual thread: Jetty's {@link QueuedThreadPool} keeps its platform threads for the
 * selectors and hands blocking work to a {@link VirtualThreadPool} (the shape Jetty 12's
 * programming guide recommends). On an older Java the webapp exits with a message naming the flag
 * and the Java version; nothing falls back to platform threads.
 *
 * <p>Besides the echo on every path, {@code /senderror/<code>}, {@code /forward/<path>}, {@code
 * /include/<path>} and {@code /async/<path>} make second passes of a request ({@link
 * DispatchServlet}); the error page, for every status, is the echo. The filter is mapped for every
 * dispatcher type.
 */
public final class TestWebapp {
  private static final String USAGE =
      "usage: java -jar test-webapp.jar --port PORT (--config FILE.properties [--expose-endpoints]"
          + " [--expose-metrics] | --no-filter) [--virtual-threads]";

  private TestWebapp() {}

  /**
   * Parsed command line.
   *
   * @param port the port, 0 for any free one
   * @param config the filter's properties file, or null for no filter
   * @param exposeEndpoints whether to serve GET /_keystone/endpoints
   * @param exposeMetrics whether to serve GET /_keystone/metrics
   * @param virtualThreads whether requests run on virtual threads (Java 21 or later)
   */
  public record Options(
      int port,
      @Nullable Path config,
      boolean exposeEndpoints,
      boolean exposeMetrics,
      boolean virtualThreads) {

    /** Options on platform threads. */
    public Options(
        int port, @Nullable Path config, boolean exposeEndpoints, boolean exposeMetrics) {
      this(port, config, exposeEndpoints, exposeMetrics, false);
    }

    /** Options on platform threads, without the metrics page. */
    public Options(int port, @Nullable Path config, boolean exposeEndpoints) {
      this(port, config, exposeEndpoints, false);
    }
  }

  /** Starts the server and blocks until it stops (SIGTERM stops it cleanly). */
  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      PrintStream err = System.err;
      err.println("test-webapp: " + e.getMessage());
      err.println(USAGE);
      System.exit(2);
      return;
    }
    Server server;
    try {
      server = start(options);
    } catch (UnsupportedOperationException e) {
      System.err.println("test-webapp: " + e.getMessage());
      System.exit(2);
      return;
    }
    server.join();
  }

  static Options parse(String[] args) {
    Integer port = null;
    Path config = null;
    boolean noFilter = false;
    boolean exposeEndpoints = false;
    boolean exposeMetrics = false;
    boolean virtualThreads = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = port(value(args, ++i, "--port"));
        case "--config" -> config = Path.of(value(args, ++i, "--config"));
        case "--no-filter" -> noFilter = true;
        case "--expose-endpoints" -> exposeEndpoints = true;
        case "--expose-metrics" -> exposeMetrics = true;
        case "--virtual-threads" -> virtualThreads = true;
        default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
      }
    }
    if (port == null) {
      throw new IllegalArgumentException("--port is required");
    }
    if (noFilter == (config != null)) {
      throw new IllegalArgumentException("give exactly one of --config FILE and --no-filter");
    }
    if (noFilter && exposeEndpoints) {
      throw new IllegalArgumentException("--expose-endpoints needs the filter (--config)");
    }
    if (noFilter && exposeMetrics) {
      throw new IllegalArgumentException("--expose-metrics needs the filter (--config)");
    }
    return new Options(port, config, exposeEndpoints, exposeMetrics, virtualThreads);
  }

  /**
   * Starts a server for these options; port 0 picks a free one.
   *
   * @throws UnsupportedOperationException if virtual threads are asked for on a Java without them
   */
  public static Server start(Options options) throws Exception {
    Server server = new Server(threadPool(options.virtualThreads()));
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(options.port());
    server.addConnector(connector);

    ServletContextHandler context = new ServletContextHandler("/");
    EnumSet<DispatcherType> requests = EnumSet.of(DispatcherType.REQUEST);
    if (options.exposeEndpoints()) {
      context.addFilter(asyncSupported(new FilterHolder(new EndpointsFilter())), "/*", requests);
    }
    if (options.exposeMetrics()) {
      context.addFilter(asyncSupported(new FilterHolder(new MetricsFilter())), "/*", requests);
    }
    Path config = options.config();
    if (config != null) {
      FilterHolder filter = asyncSupported(new FilterHolder(KeystoneAuthFilter.class));
      filter.setName("keystone-auth");
      loadProperties(config).forEach((k, v) -> filter.setInitParameter((String) k, (String) v));
      // Every dispatcher type, as the README tells users: an error page, a forward, an include
      // and an async dispatch are passes of the request too, and must see the filtered view.
      context.addFilter(filter, "/*", EnumSet.allOf(DispatcherType.class));
    }
    ServletHolder echo = new ServletHolder(new EchoServlet());
    echo.setAsyncSupported(true);
    context.addServlet(echo, "/*");
    ServletHolder dispatch = new ServletHolder(new DispatchServlet());
    dispatch.setAsyncSupported(true);
    for (String pattern : DispatchServlet.PATTERNS) {
      context.addServlet(dispatch, pattern);
    }
    ErrorPageErrorHandler errors = new ErrorPageErrorHandler();
    errors.addErrorPage(ErrorPageErrorHandler.GLOBAL_ERROR_PAGE, EchoServlet.ERROR_PAGE);
    context.setErrorHandler(errors);
    server.setHandler(context);
    server.setStopAtShutdown(true);
    server.start();
    System.err.println(
        "test-webapp listening on http://127.0.0.1:"
            + connector.getLocalPort()
            + (config == null ? " (no filter)" : " (KeystoneAuthFilter, config " + config + ")")
            + (options.virtualThreads() ? ", requests on virtual threads" : ""));
    return server;
  }

  /**
   * Jetty's default pool of platform threads; with {@code virtualThreads}, the same pool handing
   * every blocking task (a request through the filter and the servlet) to a virtual thread.
   */
  static QueuedThreadPool threadPool(boolean virtualThreads) {
    QueuedThreadPool pool = new QueuedThreadPool();
    if (virtualThreads) {
      if (!VirtualThreads.areSupported()) {
        throw new UnsupportedOperationException(
            "--virtual-threads needs Java 21 or later, but this is Java "
                + Runtime.version()
                + " ("
                + System.getProperty("java.home")
                + ")");
      }
      VirtualThreadPool virtual = new VirtualThreadPool();
      virtual.setName("webapp-vt");
      pool.setVirtualThreadsExecutor(virtual);
    }
    return pool;
  }

  private static FilterHolder asyncSupported(FilterHolder holder) {
    holder.setAsyncSupported(true); // every filter in front of /async/ must allow it
    return holder;
  }

  private static Properties loadProperties(Path file) throws IOException {
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      properties.load(in);
    }
    return properties;
  }

  private static String value(String[] args, int index, String option) {
    if (index >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[index];
  }

  private static int port(String value) {
    try {
      int port = Integer.parseInt(value);
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--port must be a port number but was '" + value + "'");
    }
  }
}
