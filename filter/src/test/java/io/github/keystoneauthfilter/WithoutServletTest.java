package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The validator needs no servlet API: in a class loader over this module's test class path with
 * every jar that holds {@code jakarta.servlet} classes removed (the servlet API, Tomcat's embedded
 * core), it validates tokens against a fake Keystone that runs in the test's own loader.
 */
class WithoutServletTest {

  /** The test class path as Surefire gives it, minus every jar with servlet API classes. */
  private static List<URL> classPathWithoutServlets(List<String> removed) throws Exception {
    String classPath = System.getProperty("surefire.test.class.path");
    if (classPath == null || classPath.isBlank()) {
      classPath = System.getProperty("java.class.path");
    }
    List<URL> urls = new ArrayList<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      Path path = Path.of(entry);
      if (Files.isRegularFile(path)) {
        try (JarFile jar = new JarFile(path.toFile())) {
          if (jar.getEntry("jakarta/servlet/Filter.class") != null
              || jar.getEntry("jakarta/servlet/http/HttpServletRequest.class") != null) {
            removed.add(entry);
            continue;
          }
        }
      }
      urls.add(path.toUri().toURL());
    }
    return urls;
  }

  @Test
  void validatorWhenNoServletApiOnClassPathThenValidatesAndCounts() throws Exception {
    List<String> removed = new ArrayList<>();
    List<URL> urls = classPathWithoutServlets(removed);
    assertFalse(removed.isEmpty(), "the servlet API was expected on the test class path");

    try (FakeKeystone site = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
        URLClassLoader loader =
            new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
      KeystoneTokenFixture fixture = KeystoneTokenFixture.create();
      String token = site.issue(fixture);
      assertThrows(ClassNotFoundException.class, () -> loader.loadClass("jakarta.servlet.Filter"));
      Class<?> scenario = loader.loadClass(NoServletScenario.class.getName());
      assertNotSame(NoServletScenario.class, scenario, "must come from the other loader");

      // Jersey finds its client builder through the context loader.
      Thread thread = Thread.currentThread();
      ClassLoader previous = thread.getContextClassLoader();
      thread.setContextClassLoader(loader);
      Object seen;
      try {
        seen =
            scenario
                .getMethod("run", String.class, String.class)
                .invoke(null, site.uri().toString(), token);
      } finally {
        thread.setContextClassLoader(previous);
      }

      assertEquals(List.of("Confirmed", fixture.userId(), "Invalid", "1", "1"), seen);
      // The filter itself cannot even be loaded there.
      assertThrows(
          NoClassDefFoundError.class,
          () -> Class.forName(KeystoneAuthFilter.class.getName(), true, loader));
    }
  }
}
