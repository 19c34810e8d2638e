package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.keystoneauthfilter.internal.metrics.Counter;
import io.github.keystoneauthfilter.internal.metrics.FilterMetrics;
import io.github.keystoneauthfilter.internal.metrics.JmxMetrics;
import io.github.keystoneauthfilter.metrics.KeystoneAuthFilterMXBean;
import io.github.keystoneauthfilter.metrics.KeystoneAuthMeterBinder;
import io.github.keystoneauthfilter.metrics.MetricsSnapshot;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * Each figure is defined once ({@link Counter}) and every view shows it: the snapshot, the JMX
 * attributes and the Micrometer meters give the same value for every counter, and no view has a
 * figure the table lacks.
 */
class MetricViewsTest {
  private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

  @Test
  void everyCounterWhenReadThroughEachViewThenTheSameValue() throws Exception {
    try (FakeKeystone site = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service")) {
      KeystoneAuthFilter filter =
          new KeystoneAuthFilter(
              KeystoneAuthConfig.builder()
                  .authUrl(site.uri().toString())
                  .username("svc")
                  .password("svc-pass")
                  .projectName("service")
                  .metricsJmxName("kaf-views-test")
                  .build());
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new KeystoneAuthMeterBinder(filter).bindTo(registry);
      try (FilterHarness harness = FilterHarness.start(filter)) {
        String token = site.issue(KeystoneTokenFixture.create());
        assertEquals(200, harness.withToken(token));
        assertEquals(200, harness.withToken(token));
        assertEquals(401, harness.withToken("unknown-token"));
        assertEquals(401, harness.withToken("unknown-token"));
        assertEquals(401, harness.get("/app"));

        MetricsSnapshot snapshot = filter.metrics();
        ObjectName bean = JmxMetrics.filterName("kaf-views-test");
        FilterMetrics live = FilterMetrics.of(filter);
        for (Counter counter : Counter.values()) {
          long value = counter.read(live);
          assertEquals(value, JMX.getAttribute(bean, counter.jmxAttribute()), counter + " (JMX)");
          if (counter.group() != Counter.Group.SHARED_CACHE) {
            assertEquals(value, fromSnapshot(snapshot, counter), counter + " (snapshot)");
            assertEquals(value, fromMicrometer(registry, counter), counter + " (Micrometer)");
          }
        }
        // The traffic reached the figures compared above.
        assertEquals(2, Counter.REQUESTS_CONFIRMED.read(live));
        assertEquals(3, Counter.REQUESTS_INVALID.read(live));
        assertEquals(1, Counter.CACHE_HITS.read(live));
        assertEquals(1, Counter.CACHE_INVALID_HITS.read(live));
      }
    }
  }

  @Test
  void everyFigureOfTheViewsWhenListedThenInTheTable() {
    Set<String> attributes =
        Arrays.stream(KeystoneAuthFilterMXBean.class.getMethods())
            .map(Method::getName)
            .filter(name -> name.startsWith("get"))
            .map(name -> name.substring(3))
            .collect(Collectors.toCollection(TreeSet::new));
    Set<String> table =
        EnumSet.allOf(Counter.class).stream()
            .map(Counter::jmxAttribute)
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(table, attributes);

    assertEquals(components(Counter.Group.REQUESTS), components(MetricsSnapshot.Requests.class));
    assertEquals(components(Counter.Group.CACHE), components(MetricsSnapshot.Cache.class));
    assertEquals(
        components(Counter.Group.SHARED_CACHE), components(MetricsSnapshot.SharedCache.class));
  }

  private static Set<String> components(Counter.Group group) {
    return EnumSet.allOf(Counter.class).stream()
        .filter(counter -> counter.group() == group)
        .map(Counter::snapshotComponent)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> components(Class<? extends Record> type) {
    return Arrays.stream(type.getRecordComponents())
        .map(RecordComponent::getName)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static long fromSnapshot(MetricsSnapshot snapshot, Counter counter) throws Exception {
    Record part =
        switch (counter.group()) {
          case REQUESTS -> snapshot.requests();
          case CACHE -> snapshot.cache();
          case SHARED_CACHE -> throw new IllegalArgumentException("no shared cache here");
        };
    for (RecordComponent component : part.getClass().getRecordComponents()) {
      if (component.getName().equals(counter.snapshotComponent())) {
        return (long) component.getAccessor().invoke(part);
      }
    }
    throw new AssertionError(counter + " has no component in " + part.getClass());
  }

  private static long fromMicrometer(SimpleMeterRegistry registry, Counter counter) {
    Search search = registry.find(counter.meter());
    String key = counter.tagKey();
    String value = counter.tagValue();
    if (key != null && value != null) {
      search = search.tag(key, value);
    }
    if (counter.isGauge()) {
      Gauge gauge = search.gauge();
      assertEquals(true, gauge != null, counter + " has no gauge");
      return (long) gauge.value();
    }
    FunctionCounter meter = search.functionCounter();
    assertEquals(true, meter != null, counter + " has no counter");
    return (long) meter.count();
  }
}
