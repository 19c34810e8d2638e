package io.github.keystoneauthfilter.testwebapp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.VirtualThreads;
import org.junit.jupiter.api.Test;

/**
 * The webapp's {@code --virtual-threads} flag: parsed, refused with a clear message before Java 21,
 * and on Java 21+ a server whose requests go to virtual threads. The build runs these on Java 17;
 * run them on a newer JDK with {@code -Djvm=/path/to/jdk-25/bin/java}.
 */
class TestWebappTest {
  private static final boolean VIRTUAL_THREADS = Runtime.version().feature() >= 21;

  @Test
  void parseWhenVirtualThreadsFlagThenOptionSet() {
    TestWebapp.Options on =
        TestWebapp.parse(new String[] {"--port", "0", "--no-filter", "--virtual-threads"});
    TestWebapp.Options off = TestWebapp.parse(new String[] {"--port", "0", "--no-filter"});

    assertTrue(on.virtualThreads());
    assertFalse(off.virtualThreads());
  }

  @Test
  void threadPoolWhenVirtualThreadsBeforeJava21ThenRefusedNamingFlagAndVersion() {
    assumeTrue(!VIRTUAL_THREADS, "needs a Java older than 21");

    UnsupportedOperationException e =
        assertThrows(UnsupportedOperationException.class, () -> TestWebapp.threadPool(true));

    assertTrue(e.getMessage().contains("--virtual-threads"), e.getMessage());
    assertTrue(e.getMessage().contains("Java " + Runtime.version()), e.getMessage());
  }

  @Test
  void threadPoolWhenPlatformThreadsThenNoVirtualThreads() {
    assertFalse(VirtualThreads.isUseVirtualThreads(TestWebapp.threadPool(false)));
  }

  @Test
  void startWhenVirtualThreadsOnJava21ThenServesFromVirtualThreadPool() throws Exception {
    assumeTrue(VIRTUAL_THREADS, "needs Java 21 or later");

    Server server = TestWebapp.start(new TestWebapp.Options(0, null, false, false, true));
    try {
      assertTrue(VirtualThreads.isUseVirtualThreads(server.getThreadPool()));
      int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode());
      assertTrue(response.body().contains("\"path\""), response.body());
    } finally {
      server.stop();
    }
  }
}
