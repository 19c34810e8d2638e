package io.github.keystoneauthfilter.samples.webxml;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ClassMatcher;

/**
 * Runs a WAR, unchanged, on Jetty 12 (ee10) at 127.0.0.1 on a free port, as a container would: in
 * its own JVM, with the environment it was started with. Prints {@code PORT <n>} on stdout once it
 * serves; exits with status 1 if the web application fails to start.
 *
 * <p>Usage: {@code WarServer WAR}
 */
final class WarServer {
  private WarServer() {}

  public static void main(String[] args) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    WebAppContext webapp = new WebAppContext();
    webapp.setContextPath("/");
    webapp.setWar(args[0]);
    webapp.setThrowUnavailableOnStartupException(true);
    // This classpath has SLF4J (Jetty's logging); Tomcat has none. Hide it, so that the WAR must
    // bring the SLF4J API that Apache HttpClient 5 needs, as it must on Tomcat.
    webapp.addHiddenClassMatcher(new ClassMatcher("org.slf4j."));
    server.setHandler(webapp);
    try {
      server.start();
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1); // Jetty's threads would keep the JVM alive
    }
    System.out.println("PORT " + connector.getLocalPort());
    System.out.flush();
    server.join();
  }
}
