package io.github.keystoneauthfilter.internal.keystone;

import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.client5.http.ssl.SSLConnectionSocketFactoryBuilder;
import org.apache.hc.core5.ssl.SSLContexts;
import org.apache.hc.core5.util.Timeout;
import org.glassfish.jersey.apache5.connector.Apache5ClientProperties;
import org.glassfish.jersey.apache5.connector.Apache5ConnectorProvider;
import org.glassfish.jersey.apache5.connector.Apache5HttpClientBuilderConfigurator;
import org.glassfish.jersey.client.ClientConfig;
import org.glassfish.jersey.client.ClientLifecycleListener;
import org.glassfish.jersey.client.ClientProperties;
import org.glassfish.jersey.client.RequestEntityProcessing;
import org.jspecify.annotations.Nullable;

/**
 * Builds the one HTTP client a filter uses for every endpoint: Jersey on Apache HttpClient 5 with a
 * bounded keep-alive pool, finite timeouts, no redirects, no cookies and <em>no automatic
 * retries</em> (the endpoint pool owns every retry decision); it refuses to be built, and refuses
 * every call, while HttpClient's header or wire logger is at DEBUG ({@link HttpLogGuard}). Each
 * call a {@link KeystoneClient} makes with it is held to one time limit for the whole exchange by
 * the client's {@link CallWatchdog}, which closing the client stops.
 */
public final class KeystoneHttp {
  /** The client property holding the client's {@link CallWatchdog}. */
  private static final String WATCHDOG = CallWatchdog.class.getName();

  private KeystoneHttp() {}

  /**
   * The watchdog of a client made by {@link #create}.
   *
   * @throws IllegalArgumentException if {@code http} was not made by {@link #create}
   */
  static CallWatchdog watchdog(Client http) {
    if (http.getConfiguration().getProperty(WATCHDOG) instanceof CallWatchdog watchdog) {
      return watchdog;
    }
    throw new IllegalArgumentException(
        "the HTTP client was not made by KeystoneHttp.create: its calls could not be time-limited");
  }

  /**
   * Creates the client.
   *
   * @param maxConnectionsPerEndpoint pool limit per Keystone endpoint
   * @param endpoints how many endpoints share the pool
   * @param connectTimeout the default connect timeout and the longest wait for a pooled connection
   * @param requestTimeout the default time to wait for an answer
   * @throws IllegalStateException if HttpClient's header or wire logger is at DEBUG
   */
  public static Client create(
      int maxConnectionsPerEndpoint,
      int endpoints,
      Duration connectTimeout,
      Duration requestTimeout) {
    return create(
        maxConnectionsPerEndpoint, endpoints, connectTimeout, requestTimeout, null, false);
  }

  /**
   * Creates the client with a TLS context.
   *
   * @param maxConnectionsPerEndpoint pool limit per Keystone endpoint
   * @param endpoints how many endpoints share the pool
   * @param connectTimeout the default connect timeout and the longest wait for a pooled connection
   * @param requestTimeout the default time to wait for an answer
   * @param tls the TLS context, or null for the JVM's default
   * @param skipHostnameCheck whether not to check the certificate's host name ({@code insecure})
   * @throws IllegalStateException if HttpClient's header or wire logger is at DEBUG
   */
  public static Client create(
      int maxConnectionsPerEndpoint,
      int endpoints,
      Duration connectTimeout,
      Duration requestTimeout,
      @Nullable SSLContext tls,
      boolean skipHostnameCheck) {
    HttpLogGuard.checkAtStart();
    Timeout connect = Timeout.of(connectTimeout);
    PoolingHttpClientConnectionManagerBuilder poolBuilder =
        PoolingHttpClientConnectionManagerBuilder.create();
    if (tls != null || skipHostnameCheck) {
      SSLConnectionSocketFactoryBuilder sockets =
          SSLConnectionSocketFactoryBuilder.create()
              .setSslContext(tls != null ? tls : SSLContexts.createSystemDefault());
      if (skipHostnameCheck) {
        sockets.setHostnameVerifier(NoopHostnameVerifier.INSTANCE);
      }
      poolBuilder.setSSLSocketFactory(sockets.build());
    }
    PoolingHttpClientConnectionManager pool =
        poolBuilder
            .setMaxConnPerRoute(maxConnectionsPerEndpoint)
            .setMaxConnTotal(maxConnectionsPerEndpoint * endpoints)
            .setDefaultConnectionConfig(
                ConnectionConfig.custom()
                    .setConnectTimeout(connect)
                    .setSocketTimeout(Timeout.of(requestTimeout))
                    .setValidateAfterInactivity(Timeout.ofSeconds(2))
                    .build())
            .build();
    RequestConfig requests =
        RequestConfig.custom()
            .setConnectionRequestTimeout(connect)
            .setResponseTimeout(Timeout.of(requestTimeout))
            .setRedirectsEnabled(false)
            .build();
    CallWatchdog watchdog = new CallWatchdog();
    ClientConfig config =
        new ClientConfig()
            .connectorProvider(new Apache5ConnectorProvider())
            .property(Apache5ClientProperties.CONNECTION_MANAGER, pool)
            .property(Apache5ClientProperties.REQUEST_CONFIG, requests)
            .property(Apache5ClientProperties.DISABLE_COOKIES, true)
            .property(ClientProperties.FOLLOW_REDIRECTS, false)
            // uWSGI (Keystone's usual server) does not read chunked request bodies: send a length.
            .property(ClientProperties.REQUEST_ENTITY_PROCESSING, RequestEntityProcessing.BUFFERED)
            .property(ClientProperties.CONNECT_TIMEOUT, (int) connectTimeout.toMillis())
            .property(ClientProperties.READ_TIMEOUT, (int) requestTimeout.toMillis())
            .property(WATCHDOG, watchdog)
            .register(
                (Apache5HttpClientBuilderConfigurator)
                    builder ->
                        builder
                            .disableAutomaticRetries()
                            // First, so nothing is sent (or logged) while secrets would be logged.
                            .addRequestInterceptorFirst(HttpLogGuard.INTERCEPTOR)
                            // Outermost, so it sees the exchange before the pool is asked.
                            .addExecInterceptorFirst(
                                "keystone-call-watchdog", CallWatchdog.INTERCEPTOR))
            .register(
                new ClientLifecycleListener() {
                  @Override
                  public void onInit() {}

                  @Override
                  public void onClose() {
                    watchdog.close();
                  }
                });
    return ClientBuilder.newClient(config);
  }
}
