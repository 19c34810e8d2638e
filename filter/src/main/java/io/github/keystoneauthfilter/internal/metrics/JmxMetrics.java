package io.github.keystoneauthfilter.internal.metrics;

import io.github.keystoneauthfilter.internal.endpoint.EndpointMember;
import io.github.keystoneauthfilter.metrics.KeystoneAuthFilterMXBean;
import io.github.keystoneauthfilter.metrics.KeystoneEndpointMXBean;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * The filter's metrics as read-only MXBeans in the platform MBean server (the {@code
 * metrics_jmx_name} option): one for the filter, one per endpoint, reading the live counters.
 */
public final class JmxMetrics implements AutoCloseable {
  public static final String DOMAIN = "io.github.keystoneauthfilter";
  private static final System.Logger LOG = System.getLogger(JmxMetrics.class.getName());
  private static final double NANOS_PER_MILLI = 1_000_000.0;

  private final MBeanServer server;
  private final List<ObjectName> names;

  private JmxMetrics(MBeanServer server, List<ObjectName> names) {
    this.server = server;
    this.names = List.copyOf(names);
  }

  /** The filter's object name for {@code name}. */
  public static ObjectName filterName(String name) {
    try {
      return new ObjectName(DOMAIN + ":type=KeystoneAuthFilter,name=" + name);
    } catch (JMException e) {
      throw new IllegalArgumentException("metrics_jmx_name '" + name + "': " + e.getMessage(), e);
    }
  }

  /** Endpoint {@code url}'s object name under filter {@code name}. */
  public static ObjectName endpointName(String name, URI url) {
    try {
      return new ObjectName(
          DOMAIN
              + ":type=KeystoneAuthFilter,name="
              + name
              + ",endpoint="
              + ObjectName.quote(url.toString()));
    } catch (JMException e) {
      throw new IllegalArgumentException("metrics_jmx_name '" + name + "': " + e.getMessage(), e);
    }
  }

  /**
   * Registers the MXBeans.
   *
   * @throws IllegalArgumentException naming metrics_jmx_name when the name is taken in this JVM
   */
  public static JmxMetrics register(String name, FilterMetrics metrics, List<URI> endpoints) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    List<ObjectName> done = new ArrayList<>();
    try {
      register(
          server,
          new StandardMBean(new FilterBean(metrics), KeystoneAuthFilterMXBean.class, true),
          filterName(name),
          done);
      for (int i = 0; i < endpoints.size(); i++) {
        URI url = endpoints.get(i);
        register(
            server,
            new StandardMBean(
                new EndpointBean(metrics, i, url), KeystoneEndpointMXBean.class, true),
            endpointName(name, url),
            done);
      }
    } catch (InstanceAlreadyExistsException e) {
      new JmxMetrics(server, done).close();
      throw new IllegalArgumentException(
          "metrics_jmx_name '"
              + name
              + "' is already registered in this JVM's MBean server; give each filter its own name",
          e);
    } catch (JMException e) {
      new JmxMetrics(server, done).close();
      throw new IllegalArgumentException(
          "metrics_jmx_name '" + name + "': JMX registration failed: " + e, e);
    }
    return new JmxMetrics(server, done);
  }

  private static void register(
      MBeanServer server, StandardMBean bean, ObjectName name, List<ObjectName> done)
      throws JMException {
    server.registerMBean(bean, name);
    done.add(name);
  }

  /** Unregisters every MXBean; those already gone are skipped. */
  @Override
  public void close() {
    for (ObjectName name : names) {
      try {
        server.unregisterMBean(name);
      } catch (JMException e) {
        LOG.log(Level.DEBUG, "could not unregister {0}: {1}", name, e.toString());
      }
    }
  }

  private static final class FilterBean implements KeystoneAuthFilterMXBean {
    private final FilterMetrics metrics;

    FilterBean(FilterMetrics metrics) {
      this.metrics = metrics;
    }

    @Override
    public long getRequestsConfirmed() {
      return Counter.REQUESTS_CONFIRMED.read(metrics);
    }

    @Override
    public long getRequestsInvalid() {
      return Counter.REQUESTS_INVALID.read(metrics);
    }

    @Override
    public long getRequestsUnavailable() {
      return Counter.REQUESTS_UNAVAILABLE.read(metrics);
    }

    @Override
    public long getRequestsBulkheadRejected() {
      return Counter.REQUESTS_BULKHEAD_REJECTED.read(metrics);
    }

    @Override
    public long getRequestsExcluded() {
      return Counter.REQUESTS_EXCLUDED.read(metrics);
    }

    @Override
    public long getCacheHits() {
      return Counter.CACHE_HITS.read(metrics);
    }

    @Override
    public long getCacheInvalidHits() {
      return Counter.CACHE_INVALID_HITS.read(metrics);
    }

    @Override
    public long getCacheMisses() {
      return Counter.CACHE_MISSES.read(metrics);
    }

    @Override
    public long getCacheJoins() {
      return Counter.CACHE_JOINS.read(metrics);
    }

    @Override
    public long getCacheEvictions() {
      return Counter.CACHE_EVICTIONS.read(metrics);
    }

    @Override
    public long getCacheExpirations() {
      return Counter.CACHE_EXPIRATIONS.read(metrics);
    }

    @Override
    public long getCacheSize() {
      return Counter.CACHE_SIZE.read(metrics);
    }

    @Override
    public long getCacheInvalidSize() {
      return Counter.CACHE_INVALID_SIZE.read(metrics);
    }

    @Override
    public long getSharedCacheHits() {
      return Counter.SHARED_CACHE_HITS.read(metrics);
    }

    @Override
    public long getSharedCacheMisses() {
      return Counter.SHARED_CACHE_MISSES.read(metrics);
    }

    @Override
    public long getSharedCacheRejected() {
      return Counter.SHARED_CACHE_REJECTED.read(metrics);
    }

    @Override
    public long getSharedCacheWrites() {
      return Counter.SHARED_CACHE_WRITES.read(metrics);
    }

    @Override
    public long getSharedCacheStoreFailures() {
      return Counter.SHARED_CACHE_STORE_FAILURES.read(metrics);
    }
  }

  private static final class EndpointBean implements KeystoneEndpointMXBean {
    private final FilterMetrics metrics;
    private final int index;
    private final URI url;

    EndpointBean(FilterMetrics metrics, int index, URI url) {
      this.metrics = metrics;
      this.index = index;
      this.url = url;
    }

    @Override
    public String getUrl() {
      return url.toString();
    }

    @Override
    public String getState() {
      List<EndpointMember> members = metrics.members();
      return index < members.size()
          ? members.get(index).breaker().state().name().name()
          : "NOT_STARTED";
    }

    @Override
    public long getValid() {
      return EndpointCounter.VALID.read(metrics, index);
    }

    @Override
    public long getInvalid() {
      return EndpointCounter.INVALID.read(metrics, index);
    }

    @Override
    public long getFailures() {
      return EndpointCounter.FAILURES.read(metrics, index);
    }

    @Override
    public long getSkipped() {
      return EndpointCounter.SKIPPED.read(metrics, index);
    }

    @Override
    public long getFailovers() {
      return EndpointCounter.FAILOVERS.read(metrics, index);
    }

    @Override
    public long getTimesOpened() {
      return EndpointCounter.TIMES_OPENED.read(metrics, index);
    }

    @Override
    public long getCalls() {
      return EndpointCounter.CALLS.read(metrics, index);
    }

    @Override
    public double getLatencyTotalMillis() {
      return EndpointCounter.CALL_NANOS.read(metrics, index) / NANOS_PER_MILLI;
    }

    @Override
    public double getLatencyMaxMillis() {
      return EndpointCounter.MAX_CALL_NANOS.read(metrics, index) / NANOS_PER_MILLI;
    }

    @Override
    public long getLate() {
      return EndpointCounter.LATE.read(metrics, index);
    }

    @Override
    public long getHedgesSent() {
      return EndpointCounter.HEDGES_SENT.read(metrics, index);
    }

    @Override
    public long getHedgesWon() {
      return EndpointCounter.HEDGES_WON.read(metrics, index);
    }

    @Override
    public long getDemotions() {
      return EndpointCounter.DEMOTIONS.read(metrics, index);
    }

    @Override
    public long getProbes() {
      return EndpointCounter.PROBES.read(metrics, index);
    }

    @Override
    public boolean isDemoted() {
      return EndpointCounter.DEMOTED.read(metrics, index) == 1;
    }

    @Override
    public double getHedgeDelayMillis() {
      return EndpointCounter.HEDGE_DELAY_NANOS.read(metrics, index) / NANOS_PER_MILLI;
    }

    @Override
    public double getLatencyP50Millis() {
      return EndpointCounter.LATENCY_P50_NANOS.read(metrics, index) / NANOS_PER_MILLI;
    }

    @Override
    public double getLatencyP99Millis() {
      return EndpointCounter.LATENCY_P99_NANOS.read(metrics, index) / NANOS_PER_MILLI;
    }
  }
}
