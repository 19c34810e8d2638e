package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.metrics.KeystoneAuthMeterBinder;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Micrometer is optional: the filter loads, validates tokens and counts them in a class loader over
 * this module's test class path with every Micrometer jar (and Micrometer's own dependencies)
 * removed.
 */
class WithoutMicrometerTest {

  /** The test class path as Surefire gives it, minus Micrometer and its dependencies. */
  private static List<URL> classPathWithoutMicrometer(List<String> removed) throws Exception {
    String classPath = System.getProperty("surefire.test.class.path");
    if (classPath == null || classPath.isBlank()) {
      classPath = System.getProperty("java.class.path");
    }
    List<URL> urls = new ArrayList<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      String path = entry.replace('\\', '/');
      if (path.contains("/io/micrometer/")
          || path.contains("/org/hdrhistogram/")
          || path.contains("/org/latencyutils/")) {
        removed.add(path);
        continue;
      }
      urls.add(Path.of(entry).toUri().toURL());
    }
    return urls;
  }

  @Test
  void filterWhenMicrometerNotOnClassPathThenValidatesAndCounts() throws Exception {
    List<String> removed = new ArrayList<>();
    List<URL> urls = classPathWithoutMicrometer(removed);
    assertTrue(
        removed.stream().anyMatch(p -> p.contains("micrometer-core")),
        "micrometer-core was expected on the test class path, to be taken away: " + removed);

    try (URLClassLoader loader =
        new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
      assertThrows(
          ClassNotFoundException.class,
          () -> loader.loadClass("io.micrometer.core.instrument.MeterRegistry"));
      Class<?> scenario = loader.loadClass(NoMicrometerScenario.class.getName());
      assertNotSame(NoMicrometerScenario.class, scenario, "must come from the other loader");

      // As a servlet container does for a webapp: its loader is the context loader (Jersey
      // finds its client builder through it).
      Thread thread = Thread.currentThread();
      ClassLoader previous = thread.getContextClassLoader();
      thread.setContextClassLoader(loader);
      long[] outcome;
      try {
        outcome = (long[]) scenario.getMethod("run").invoke(null);
      } finally {
        thread.setContextClassLoader(previous);
      }

      assertArrayEquals(new long[] {200, 401, 1, 1}, outcome);
      // Only the binder needs Micrometer: there, it cannot even be loaded.
      assertThrows(
          NoClassDefFoundError.class,
          () -> Class.forName(KeystoneAuthMeterBinder.class.getName(), true, loader));
    }
  }
}
