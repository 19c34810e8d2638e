package io.github.keystoneauthfilter.internal.assembly;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.config.Credentials;
import io.github.keystoneauthfilter.config.RedisSettings;
import io.github.keystoneauthfilter.config.SharedCacheSettings;
import io.github.keystoneauthfilter.config.TlsSettings;
import io.github.keystoneauthfilter.internal.cache.EntryProtection;
import io.github.keystoneauthfilter.internal.cache.MemcachedStore;
import io.github.keystoneauthfilter.internal.cache.ProvidedStore;
import io.github.keystoneauthfilter.internal.cache.SharedStore;
import io.github.keystoneauthfilter.internal.cache.SharedTokenCache;
import io.github.keystoneauthfilter.internal.cache.TokenCache;
import io.github.keystoneauthfilter.internal.endpoint.Bulkhead;
import io.github.keystoneauthfilter.internal.endpoint.CircuitBreaker;
import io.github.keystoneauthfilter.internal.endpoint.Deadline;
import io.github.keystoneauthfilter.internal.endpoint.EndpointFailureException;
import io.github.keystoneauthfilter.internal.endpoint.EndpointMember;
import io.github.keystoneauthfilter.internal.endpoint.EndpointPool;
import io.github.keystoneauthfilter.internal.endpoint.Hedging;
import io.github.keystoneauthfilter.internal.keystone.KeystoneClient;
import io.github.keystoneauthfilter.internal.keystone.KeystoneHttp;
import io.github.keystoneauthfilter.internal.keystone.KeystoneTls;
import io.github.keystoneauthfilter.internal.log.Loggers;
import io.github.keystoneauthfilter.internal.metrics.FilterMetrics;
import io.github.keystoneauthfilter.internal.metrics.JmxMetrics;
import io.github.keystoneauthfilter.internal.request.AccessRules;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import io.github.keystoneauthfilter.spi.SharedCacheStore;
import io.github.keystoneauthfilter.spi.SharedCacheStoreProvider;
import jakarta.ws.rs.client.Client;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Wires the stages once, written in the order a token meets them: the in-process token cache, the
 * shared cache on memcached or Redis (optional), the bulkhead, the endpoints in order (each a
 * circuit breaker in front of a Keystone client), and the HTTP client under them all. Each method
 * builds its stage around the one the next method builds. What is built is kept, so that a failure
 * half way closes it again; the result is one immutable {@link Stages}.
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
        settings.tokenCache().time(),
        settings.tokenCache().maxEntries(),
        settings.tokenCache().invalidTime(),
        settings.tokenCache().invalidMaxEntries(),
        settings.failover().deadline(),
        settings.clock());
  }

  /**
   * Then, with memcached_servers, redis_url or a store the application gave, the shared cache; else
   * straight on to Keystone.
   */
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
            settings.tokenCache().time(),
            settings.includeServiceCatalog(),
            mapper,
            settings.clock(),
            keystonemiddlewareEntries(settings));
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
    Credentials credentials = settings.credentials();
    List<EndpointMember> members = new ArrayList<>();
    List<KeystoneClient> clients = new ArrayList<>();
    for (URI url : settings.authUrls()) {
      KeystoneClient keystone = keystoneClient(url, client, credentials);
      clients.add(keystone);
      members.add(new EndpointMember(keystone, breaker(url)));
    }
    logInAhead(clients, settings.httpConnectTimeout().plus(settings.httpRequestTimeout()), mapper);
    EndpointPool endpoints =
        new EndpointPool(
            members,
            settings.failover().deadline(),
            settings.failover().onNotFound(),
            hedging(settings),
            // each validation in flight has at most two calls of its own; as many again may be
            // abandoned calls still running out their time limit
            2 * settings.maxConcurrentValidations(),
            settings.clock(),
            System::nanoTime);
    this.pool = endpoints;
    return endpoints;
  }

  /**
   * Logs in at each endpoint, in order, on a thread of its own: start-up does not wait for it, and
   * the first validation at any endpoint (the first hedge or failover to a site included) then
   * needs no login of its own. One login per endpoint, each within one call's time limit; a failure
   * is logged, not counted by the breakers (a validation logs in again as usual). First it parses a
   * canned answer a few times, after the logins, so that the first miss finds the JSON path loaded
   * (local work only).
   */
  private static void logInAhead(List<KeystoneClient> clients, Duration limit, ObjectMapper json) {
    Thread thread =
        new Thread(
            () -> {
              long start = System.nanoTime();
              int loggedIn = 0;
              for (KeystoneClient keystone : clients) {
                try {
                  keystone.logInAhead(Deadline.after(limit, System::nanoTime));
                  loggedIn++;
                } catch (EndpointFailureException | RuntimeException e) {
                  LOG.log(
                      Level.INFO,
                      "service login at start failed at {0} ({1}); validations there will log in",
                      keystone.uri(),
                      e.getMessage());
                }
              }
              String parser;
              try {
                KeystoneClient.warmUpParser(json);
                parser = "warmed";
              } catch (RuntimeException e) {
                parser = "not warmed (" + e.getClass().getSimpleName() + ")";
                LOG.log(Level.WARNING, "JSON path warm-up at start failed", e);
              }
              LOG.log(
                  Level.INFO,
                  "service login at start: {0} of {1} endpoints in {2,number,#} ms; JSON path {3}",
                  loggedIn,
                  clients.size(),
                  (System.nanoTime() - start) / 1_000_000,
                  parser);
            },
            "keystone-auth-login-ahead");
    thread.setDaemon(true);
    thread.start();
  }

  /** The failover_hedge_* and failover_demote_* options; off with a single endpoint. */
  private static Hedging hedging(KeystoneAuthConfig settings) {
    if (settings.authUrls().size() < 2) {
      return Hedging.OFF;
    }
    Hedging.Mode mode =
        switch (settings.hedging().mode()) {
          case ADAPTIVE -> Hedging.Mode.ADAPTIVE;
          case FIXED -> Hedging.Mode.FIXED;
          case OFF -> Hedging.Mode.OFF;
        };
    if (mode == Hedging.Mode.OFF) {
      return Hedging.OFF;
    }
    return new Hedging(
        mode,
        settings.hedging().fixedDelay(),
        settings.hedging().delayMin(),
        settings.hedging().delayMax(),
        settings.hedging().budget(),
        settings.hedging().demoteAfter(),
        settings.hedging().demoteProbeInterval());
  }

  private CircuitBreaker breaker(URI url) {
    return new CircuitBreaker(
        url,
        settings.failover().failureThreshold(),
        settings.failover().open(),
        settings.failover().maxOpen(),
        // Every Keystone call ends within the deadline: a probe silent past it was lost.
        settings.failover().deadline(),
        settings.clock(),
        () -> ThreadLocalRandom.current().nextDouble());
  }

  /** One endpoint: service login and token validation at {@code url}. */
  private KeystoneClient keystoneClient(URI url, Client client, Credentials credentials) {
    return new KeystoneClient(
        url,
        client,
        mapper,
        credentials,
        settings.includeServiceCatalog(),
        settings.httpConnectTimeout(),
        settings.httpRequestTimeout(),
        settings.clock(),
        // Keystone's answer is what keystonemiddleware's entries hold; otherwise it is not kept.
        keystonemiddlewareEntries(settings));
  }

  /**
   * Whether the shared cache is on memcached in keystonemiddleware's format (sharedStore decides
   * the same way whether there is a shared cache at all).
   */
  private static boolean keystonemiddlewareEntries(KeystoneAuthConfig settings) {
    return settings.sharedCache().entryFormat()
            == SharedCacheSettings.EntryFormat.KEYSTONEMIDDLEWARE
        && !settings.sharedCache().servers().isEmpty()
        && !settings.tokenCache().time().isZero();
  }

  /** Last: the HTTP client (bounded pool, time limits, TLS) under every endpoint. */
  private Client http() {
    if (settings.tls().insecure()) {
      LOG.log(
          Level.WARNING,
          "insecure=true: Keystone''s TLS certificates are NOT verified; anyone on the path to"
              + " {0} can impersonate Keystone and forge identities. Use cafile instead.",
          settings.authUrls());
    }
    TlsSettings tls = settings.tls();
    TlsSettings.ClientCertificate client = tls.clientCertificate();
    Client http =
        KeystoneHttp.create(
            settings.maxConnectionsPerEndpoint(),
            settings.authUrls().size(),
            settings.httpConnectTimeout(),
            settings.httpRequestTimeout(),
            KeystoneTls.context(
                tls.cafile(),
                client == null ? null : client.certfile(),
                client == null ? null : client.keyfile(),
                tls.insecure()),
            tls.insecure());
    this.http = http;
    return http;
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
    RedisSettings redis = settings.sharedCache().redis();
    SharedCacheStoreProvider given = settings.sharedCache().storeProvider();
    boolean strategySet =
        settings.memcacheSecurityStrategy() != KeystoneAuthConfig.MemcacheSecurityStrategy.NONE;
    boolean keystonemiddlewareFormat =
        settings.sharedCache().entryFormat() == SharedCacheSettings.EntryFormat.KEYSTONEMIDDLEWARE;
    if (settings.sharedCache().servers().isEmpty() && redis == null && given == null) {
      if (keystonemiddlewareFormat) {
        LOG.log(
            Level.WARNING,
            "memcache_entry_format=keystonemiddleware has no effect: memcached_servers is not set,"
                + " so no token cache is shared");
      }
      if (strategySet) {
        LOG.log(
            Level.WARNING,
            "memcache_security_strategy={0} has no effect: neither memcached_servers nor"
                + " redis_url is set, so no token cache is shared",
            settings.memcacheSecurityStrategy().optionValue());
      }
      return null;
    }
    String option =
        given != null ? given.option() : redis != null ? "redis_url" : "memcached_servers";
    String where =
        given != null
            ? "the store of " + given.option()
            : redis != null
                ? "Redis " + redis.safeUrl()
                : "memcached " + settings.sharedCache().servers();
    if (settings.tokenCache().time().isZero()) {
      LOG.log(
          Level.WARNING,
          "{0} is set but token_cache_time is not positive: nothing is cached, so {1} is not used",
          option,
          where);
      return null;
    }
    if (!strategySet) {
      LOG.log(
          Level.WARNING,
          "memcache_security_strategy=None: identities in {0} are neither signed nor"
              + " encrypted; anyone who can write to it can forge them"
              + (keystonemiddlewareFormat
                  ? " (keystonemiddleware's entries, which this filter reads with"
                      + " memcache_entry_format=keystonemiddleware, have the same weakness)"
                  : "")
              + ". Set MAC or ENCRYPT"
              + (settings.memcacheSecretKey() != null
                  ? " (memcache_secret_key is set but unused)"
                  : ""),
          where);
    }
    SharedStore store;
    if (given != null) {
      SharedCacheStore opened = given.open(settings);
      where = where + " (" + opened + ")";
      store =
          new ProvidedStore(
              where,
              opened,
              settings.sharedCache().socketTimeout(),
              settings.sharedCache().deadRetry());
    } else {
      store = redis != null ? providedStore(settings, redis) : memcachedStore(settings);
    }
    LOG.log(
        Level.INFO,
        "shared token cache on {0}, memcache_security_strategy={1}, memcache_entry_format={2}",
        where,
        settings.memcacheSecurityStrategy().optionValue(),
        settings.sharedCache().entryFormat().optionValue());
    return store;
  }

  private static SharedStore memcachedStore(KeystoneAuthConfig settings) {
    List<InetSocketAddress> resolved = new ArrayList<>();
    for (InetSocketAddress server : settings.sharedCache().servers()) {
      resolved.add(new InetSocketAddress(server.getHostString(), server.getPort()));
    }
    return new MemcachedStore(
        resolved,
        settings.sharedCache().socketTimeout(),
        settings.sharedCache().deadRetry(),
        settings.sharedCache().poolMaxsize());
  }

  /** The store of the one provider on the class path that serves {@code redis_url}. */
  private static SharedStore providedStore(KeystoneAuthConfig settings, RedisSettings redis) {
    String option = "redis_url";
    List<SharedCacheStoreProvider> providers = new ArrayList<>();
    for (SharedCacheStoreProvider provider :
        ServiceLoader.load(
            SharedCacheStoreProvider.class, SharedCacheStoreProvider.class.getClassLoader())) {
      if (option.equals(provider.option())) {
        providers.add(provider);
      }
    }
    if (providers.isEmpty()) {
      throw new IllegalStateException(
          option
              + " is set, but no shared cache store for it is on the class path: add the"
              + " io.github.keystoneauthfilter:keystone-auth-redis jar (with its Lettuce"
              + " dependencies) beside the filter's jar, or remove "
              + option);
    }
    if (providers.size() > 1) {
      throw new IllegalStateException(
          option
              + " is served by "
              + providers.size()
              + " providers on the class path ("
              + providers.stream().map(p -> p.getClass().getName()).toList()
              + "): keep one");
    }
    return new ProvidedStore(
        "Redis " + redis.safeUrl(),
        providers.get(0).open(settings),
        settings.sharedCache().socketTimeout(),
        settings.sharedCache().deadRetry());
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
}
