package io.github.keystoneauthfilter.internal.assembly;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.config.Credentials;
import io.github.keystoneauthfilter.config.SharedCacheSettings;
import io.github.keystoneauthfilter.internal.cache.EntryProtection;
import io.github.keystoneauthfilter.internal.cache.MemcachedStore;
import io.github.keystoneauthfilter.internal.cache.SharedStore;
import io.github.keystoneauthfilter.internal.cache.SharedTokenCache;
import io.github.keystoneauthfilter.internal.cache.TokenCache;
import io.github.keystoneauthfilter.internal.endpoint.Bulkhead;
import io.github.keystoneauthfilter.internal.endpoint.CircuitBreaker;
import io.github.keystoneauthfilter.internal.endpoint.EndpointPool;
import io.github.keystoneauthfilter.internal.endpoint.Hedging;
import io.github.keystoneauthfilter.internal.keystone.KeystoneClient;
import io.github.keystoneauthfilter.internal.keystone.KeystoneHttp;
import io.github.keystoneauthfilter.internal.keystone.KeystoneTls;
import io.github.keystoneauthfilter.internal.keystone.ServiceCredentials;
import io.github.keystoneauthfilter.internal.log.Loggers;
import io.github.keystoneauthfilter.internal.metrics.FilterMetrics;
import io.github.keystoneauthfilter.internal.metrics.JmxMetrics;
import io.github.keystoneauthfilter.internal.request.AccessRules;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import jakarta.ws.rs.client.Client;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Wires the stages once, written in the order a token meets them: the in-process token cache, the
 * shared cache on memcached (optional), the bulkhead, the endpoints in order (each a circuit
 * breaker in front of a Keystone client), and the HTTP client under them all. Each method builds
 * its stage around the one the next method builds. What is built is kept, so that a failure half
 * way closes it again; the result is one immutable {@link Stages}.
 */
public final class Assembly {
  private static final System.Logger LOG = System.getLogger(Loggers.FILTER);

  private final KeystoneAuthConfig settings;
  private final FilterMetrics metrics;
  private final ObjectMapper mapper = new ObjectMapper();
  private @Nullable JmxMetrics jmx;
  private @Nullable Client http;
  private @Nullable EndpointPool pool;
  private @Nullable Bulkhead bulkhead;
  private @Nullable SharedStore store;
  private @Nullable SharedTokenCache shared;

  private Assembly(KeystoneAuthConfig settings, FilterMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
  }

  /**
   * Builds the stages for {@code settings}, counting into {@code metrics} (attached to them once
   * built), with the MXBeans registered when {@code metrics_jmx_name} is set.
   *
   * @throws IllegalArgumentException or IllegalStateException when a stage cannot be built (a bad
   *     TLS file, a taken JMX name); whatever was built is closed again
   */
  public static Stages assemble(KeystoneAuthConfig settings, FilterMetrics metrics) {
    Assembly assembly = new Assembly(settings, metrics);
    try {
      return assembly.build();
    } catch (RuntimeException | Error e) {
      assembly.closeBuilt();
      throw e;
    }
  }

  private Stages build() {
    String jmxName = settings.metricsJmxName();
    if (jmxName != null) {
      jmx = JmxMetrics.register(jmxName, metrics, settings.authUrls());
    }
    TokenCache cache = tokenCache();
    metrics.attach(Objects.requireNonNull(pool), cache, Objects.requireNonNull(bulkhead), shared);
    return new Stages(
        cache,
        cache,
        Objects.requireNonNull(pool),
        new AccessRules(settings.serviceType()),
        Objects.requireNonNull(http),
        store,
        jmx);
  }

  /** First: the in-process cache (valid and invalid answers, single flight). */
  private TokenCache tokenCache() {
    return new TokenCache(
        sharedCacheOrKeystone(),
        settings.tokenCacheTime(),
        settings.tokenCacheMaxEntries(),
        settings.invalidTokenCacheTime(),
        settings.invalidTokenCacheMaxEntries(),
        settings.failoverDeadline(),
        settings.clock());
  }

  /** Then, with memcached_servers, the shared cache; else straight on to Keystone. */
  private TokenValidator sharedCacheOrKeystone() {
    TokenValidator keystone = bulkhead();
    SharedStore memcached = sharedStore(settings);
    if (memcached == null) {
      return keystone;
    }
    this.store = memcached;
    SharedTokenCache cache =
        new SharedTokenCache(
            keystone,
            memcached,
            protection(settings),
            settings.tokenCacheTime(),
            settings.includeServiceCatalog(),
            mapper,
            settings.clock());
    this.shared = cache;
    return cache;
  }

  /** Then the bulkhead: at most max_concurrent_validations validations in flight. */
  private Bulkhead bulkhead() {
    Bulkhead limit = new Bulkhead(endpointPool(), settings.maxConcurrentValidations());
    this.bulkhead = limit;
    return limit;
  }

  /** Then the endpoints, in the configured order, each behind its circuit breaker. */
  private EndpointPool endpointPool() {
    Client client = http();
    ServiceCredentials credentials = credentials(settings);
    List<EndpointPool.Member> members = new ArrayList<>();
    for (URI url : settings.authUrls()) {
      members.add(new EndpointPool.Member(keystoneClient(url, client, credentials), breaker(url)));
    }
    EndpointPool endpoints =
        new EndpointPool(
            members,
            settings.failoverDeadline(),
            settings.failoverOnNotFound(),
            hedging(settings),
            // each validation in flight has at most two calls of its own; as many again may be
            // abandoned calls still running out their time limit
            2 * settings.maxConcurrentValidations(),
            settings.clock(),
            System::nanoTime);
    this.pool = endpoints;
    return endpoints;
  }

  /** The failover_hedge_* and failover_demote_* options; off with a single endpoint. */
  private static Hedging hedging(KeystoneAuthConfig settings) {
    if (settings.authUrls().size() < 2) {
      return Hedging.OFF;
    }
    Hedging.Mode mode =
        switch (settings.failoverHedgeMode()) {
          case ADAPTIVE -> Hedging.Mode.ADAPTIVE;
          case FIXED -> Hedging.Mode.FIXED;
          case OFF -> Hedging.Mode.OFF;
        };
    if (mode == Hedging.Mode.OFF) {
      return Hedging.OFF;
    }
    return new Hedging(
        mode,
        settings.failoverHedgeDelay(),
        settings.failoverHedgeDelayMin(),
        settings.failoverHedgeDelayMax(),
        settings.failoverHedgeBudget(),
        settings.failoverDemoteAfter(),
        settings.failoverDemoteProbeInterval());
  }

  private CircuitBreaker breaker(URI url) {
    return new CircuitBreaker(
        url,
        settings.failoverFailureThreshold(),
        settings.failoverOpen(),
        settings.failoverMaxOpen(),
        // Every Keystone call ends within the deadline: a probe silent past it was lost.
        settings.failoverDeadline(),
        settings.clock(),
        () -> ThreadLocalRandom.current().nextDouble());
  }

  /** One endpoint: service login and token validation at {@code url}. */
  private KeystoneClient keystoneClient(URI url, Client client, ServiceCredentials credentials) {
    return new KeystoneClient(
        url,
        client,
        mapper,
        credentials,
        settings.includeServiceCatalog(),
        settings.httpConnectTimeout(),
        settings.httpRequestTimeout(),
        settings.clock());
  }

  /** Last: the HTTP client (bounded pool, time limits, TLS) under every endpoint. */
  private Client http() {
    if (settings.insecure()) {
      LOG.log(
          Level.WARNING,
          "insecure=true: Keystone''s TLS certificates are NOT verified; anyone on the path to"
              + " {0} can impersonate Keystone and forge identities. Use cafile instead.",
          settings.authUrls());
    }
    Client client =
        KeystoneHttp.create(
            settings.maxConnectionsPerEndpoint(),
            settings.authUrls().size(),
            settings.httpConnectTimeout(),
            settings.httpRequestTimeout(),
            KeystoneTls.context(
                settings.cafile(), settings.certfile(), settings.keyfile(), settings.insecure()),
            settings.insecure());
    this.http = client;
    return client;
  }

  /** Closes what a failed {@link #build} had built, innermost last. */
  private void closeBuilt() {
    EndpointPool endpoints = pool;
    if (endpoints != null) {
      endpoints.close();
    }
    JmxMetrics registered = jmx;
    if (registered != null) {
      registered.close();
    }
    Client client = http;
    if (client != null) {
      client.close();
    }
    SharedStore memcached = store;
    if (memcached != null) {
      memcached.close();
    }
  }

  /** The shared cache's store, or null when there is none (or it could not hold anything). */
  private static @Nullable SharedStore sharedStore(KeystoneAuthConfig settings) {
    boolean strategySet =
        settings.memcacheSecurityStrategy() != KeystoneAuthConfig.MemcacheSecurityStrategy.NONE;
    if (settings.memcachedServers().isEmpty()) {
      if (strategySet) {
        LOG.log(
            Level.WARNING,
            "memcache_security_strategy={0} has no effect: memcached_servers is not set, so no"
                + " token cache is shared",
            settings.memcacheSecurityStrategy().optionValue());
      }
      return null;
    }
    if (settings.tokenCacheTime().isZero()) {
      LOG.log(
          Level.WARNING,
          "memcached_servers is set but token_cache_time is not positive: nothing is cached, so"
              + " memcached is not used");
      return null;
    }
    if (!strategySet) {
      LOG.log(
          Level.WARNING,
          "memcache_security_strategy=None: identities in memcached {0} are neither signed nor"
              + " encrypted; anyone who can write to memcached can forge them. Set MAC or ENCRYPT"
              + (settings.memcacheSecretKey() != null
                  ? " (memcache_secret_key is set but unused)"
                  : ""),
          settings.memcachedServers());
    }
    List<InetSocketAddress> resolved = new ArrayList<>();
    for (InetSocketAddress server : settings.memcachedServers()) {
      resolved.add(new InetSocketAddress(server.getHostString(), server.getPort()));
    }
    LOG.log(
        Level.INFO,
        "shared token cache on memcached {0}, memcache_security_strategy={1}",
        settings.memcachedServers(),
        settings.memcacheSecurityStrategy().optionValue());
    return new MemcachedStore(
        resolved,
        settings.memcacheSocketTimeout(),
        settings.memcacheDeadRetry(),
        settings.memcachePoolMaxsize());
  }

  private static EntryProtection protection(KeystoneAuthConfig settings) {
    SharedCacheSettings.Protection protection = settings.sharedCache().protection();
    if (protection instanceof SharedCacheSettings.Signed signed) {
      return EntryProtection.of(EntryProtection.Mode.MAC, signed.secretKey());
    }
    if (protection instanceof SharedCacheSettings.Encrypted encrypted) {
      return EntryProtection.of(EntryProtection.Mode.ENCRYPT, encrypted.secretKey());
    }
    return EntryProtection.none();
  }

  private static ServiceCredentials credentials(KeystoneAuthConfig settings) {
    Credentials credentials = settings.credentials();
    if (credentials instanceof Credentials.ApplicationCredential a) {
      return new ServiceCredentials.ApplicationCredential(
          a.id(), a.name(), a.username(), a.userDomainName(), a.secret());
    }
    Credentials.Password p = (Credentials.Password) credentials;
    return ServiceCredentials.password(
        p.username(), p.password(), p.userDomainName(), p.projectName(), p.projectDomainName());
  }
}
