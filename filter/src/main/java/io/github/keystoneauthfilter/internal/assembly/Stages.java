package io.github.keystoneauthfilter.internal.assembly;

import io.github.keystoneauthfilter.internal.cache.SharedStore;
import io.github.keystoneauthfilter.internal.cache.TokenCache;
import io.github.keystoneauthfilter.internal.endpoint.EndpointPool;
import io.github.keystoneauthfilter.internal.metrics.JmxMetrics;
import io.github.keystoneauthfilter.internal.request.AccessRules;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import jakarta.ws.rs.client.Client;
import org.jspecify.annotations.Nullable;

/**
 * The running stages, built once by {@link Assembly#assemble}: immutable, and closed together.
 *
 * @param tokens where a token is validated: the token cache, in front of everything else
 * @param cache the in-process token cache (the same object as {@code tokens})
 * @param pool the endpoints in order, each behind its circuit breaker
 * @param accessRules the application-credential access rules of this service
 * @param http the HTTP client every Keystone call goes through
 * @param store the shared cache's memcached store, or null without one
 * @param jmx the registered MXBeans, or null without {@code metrics_jmx_name}
 */
public record Stages(
    TokenValidator tokens,
    TokenCache cache,
    EndpointPool pool,
    AccessRules accessRules,
    Client http,
    @Nullable SharedStore store,
    @Nullable JmxMetrics jmx)
    implements AutoCloseable {

  /**
   * Unregisters the MXBeans, then stops the pool's call threads (as their calls end) and closes the
   * HTTP client and the memcached store.
   */
  @Override
  public void close() {
    JmxMetrics registered = jmx;
    if (registered != null) {
      registered.close();
    }
    pool.close();
    http.close();
    SharedStore shared = store;
    if (shared != null) {
      shared.close();
    }
  }
}
