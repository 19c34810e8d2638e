package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.internal.config.InitParameters;
import io.github.keystoneauthfilter.internal.metrics.JmxMetrics;
import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.Fault;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.Attribute;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@code metrics_jmx_name} option: read-only MXBeans in the platform MBean server. */
class JmxMetricsTest {
  private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

  private FakeKeystone site1;
  private FakeKeystone site2;
  private FilterHarness harness;

  @BeforeEach
  void sites() {
    site1 = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
    site2 = FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
  }

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
    site1.close();
    site2.close();
  }

  private KeystoneAuthConfigBuilder config(String jmxName) {
    return KeystoneAuthConfig.builder()
        .authUrl(site1.uri().toString())
        .authUrl(site2.uri().toString())
        .username("svc")
        .password("svc-pass")
        .projectName("service")
        .httpConnectTimeout(Duration.ofMillis(500))
        .metricsJmxName(jmxName);
  }

  @Test
  void initWhenJmxNameSetThenFilterAndEndpointBeansServeLiveCountersUntilDestroy()
      throws Exception {
    harness = FilterHarness.start(new KeystoneAuthFilter(config("kaf-jmx-test").build()));
    site1.fault(Fault.refuse());
    KeystoneTokenFixture fixture = KeystoneTokenFixture.create();
    String token = site1.issue(fixture);
    site2.register(token, fixture);

    assertEquals(200, harness.withToken(token));
    assertEquals(200, harness.withToken(token));
    assertEquals(401, harness.get("/app"));

    ObjectName filter =
        new ObjectName("io.github.keystoneauthfilter:type=KeystoneAuthFilter,name=kaf-jmx-test");
    ObjectName first = JmxMetrics.endpointName("kaf-jmx-test", site1.uri());
    ObjectName second = JmxMetrics.endpointName("kaf-jmx-test", site2.uri());
    assertEquals(
        3,
        JMX.queryNames(
                new ObjectName(
                    "io.github.keystoneauthfilter:type=KeystoneAuthFilter,name=kaf-jmx-test,*"),
                null)
            .size());
    assertEquals(2L, JMX.getAttribute(filter, "RequestsConfirmed"));
    assertEquals(1L, JMX.getAttribute(filter, "RequestsInvalid"));
    assertEquals(1L, JMX.getAttribute(filter, "CacheHits"));
    assertEquals(1L, JMX.getAttribute(filter, "CacheMisses"));
    assertEquals(1L, JMX.getAttribute(filter, "CacheSize"));
    assertEquals(site1.uri().toString(), JMX.getAttribute(first, "Url"));
    assertEquals("CLOSED", JMX.getAttribute(first, "State"));
    assertEquals(1L, JMX.getAttribute(first, "Failures"));
    assertEquals(1L, JMX.getAttribute(first, "Failovers"));
    assertEquals(1L, JMX.getAttribute(second, "Valid"));
    assertTrue((Double) JMX.getAttribute(second, "LatencyTotalMillis") > 0);
    for (ObjectName bean : List.of(filter, first, second)) {
      assertReadOnly(bean);
    }

    harness.close();
    harness = null;

    assertFalse(JMX.isRegistered(filter));
    assertFalse(JMX.isRegistered(first));
    assertFalse(JMX.isRegistered(second));
  }

  @Test
  void initWhenJmxNameTakenThenFailsNamingOptionAndKeepsTheFirst() throws Exception {
    harness = FilterHarness.start(new KeystoneAuthFilter(config("kaf-jmx-taken").build()));
    KeystoneAuthFilter second = new KeystoneAuthFilter(config("kaf-jmx-taken").build());

    ServletException e = assertThrows(ServletException.class, () -> second.init(filterConfig()));

    assertTrue(e.getMessage().contains("metrics_jmx_name 'kaf-jmx-taken'"), e.getMessage());
    assertTrue(JMX.isRegistered(JmxMetrics.filterName("kaf-jmx-taken")));
    assertTrue(JMX.isRegistered(JmxMetrics.endpointName("kaf-jmx-taken", site1.uri())));
  }

  @Test
  void metricsJmxNameWhenCharactersOutsideNameThenFailsNamingOptionAndValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> KeystoneAuthConfig.builder().metricsJmxName("a,b=c"));

    assertTrue(e.getMessage().startsWith("metrics_jmx_name must be "), e.getMessage());
    assertTrue(e.getMessage().endsWith("but was 'a,b=c'"), e.getMessage());
  }

  @Test
  void initParameterWhenMetricsJmxNameThenSetElseNone() {
    Map<String, String> options = new HashMap<>();
    options.put("auth_url", "http://127.0.0.1:1");
    options.put("username", "u");
    options.put("password", "p");
    options.put("project_name", "s");
    options.put("metrics_jmx_name", "site-a.filter_1");

    assertEquals("site-a.filter_1", InitParameters.parse(options).build().metricsJmxName());
    options.remove("metrics_jmx_name");
    assertNull(InitParameters.parse(options).build().metricsJmxName());
  }

  /**
   * Every attribute of the bean is readable and not writable, the server refuses to set it (even to
   * its current value), and the bean has no operations.
   */
  private static void assertReadOnly(ObjectName bean) throws Exception {
    MBeanInfo info = JMX.getMBeanInfo(bean);
    assertTrue(info.getAttributes().length > 0, bean + " has no attributes");
    for (MBeanAttributeInfo attribute : info.getAttributes()) {
      String name = attribute.getName();
      assertTrue(attribute.isReadable(), bean + " " + name + " not readable");
      assertFalse(attribute.isWritable(), bean + " " + name + " writable");
      Object current = JMX.getAttribute(bean, name);
      assertThrows(
          JMException.class,
          () -> JMX.setAttribute(bean, new Attribute(name, current)),
          bean + " " + name + " could be set");
    }
    assertEquals(0, info.getOperations().length, bean + " has operations");
  }

  /** A FilterConfig with no init-params whose servlet context must not be reached. */
  private static FilterConfig filterConfig() {
    return new FilterConfig() {
      @Override
      public String getFilterName() {
        return "second";
      }

      @Override
      public ServletContext getServletContext() {
        throw new UnsupportedOperationException("init should have failed before this");
      }

      @Override
      public String getInitParameter(String name) {
        return null;
      }

      @Override
      public Enumeration<String> getInitParameterNames() {
        return Collections.emptyEnumeration();
      }
    };
  }
}
