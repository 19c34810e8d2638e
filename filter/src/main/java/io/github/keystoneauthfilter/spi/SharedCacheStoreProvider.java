package io.github.keystoneauthfilter.spi;

import io.github.keystoneauthfilter.KeystoneAuthConfig;

/**
 * Makes the {@link SharedCacheStore} for one kind of shared cache. Either found with {@link
 * java.util.ServiceLoader} (a {@code META-INF/services/io.github.keystoneauthfilter.spi.
 * SharedCacheStoreProvider} file in the provider's jar) through the class loader that loaded the
 * filter: when the option that {@link #option()} names is set, the filter uses the one provider
 * that names it; none on the class path, or two, fails the filter's start with a message naming the
 * option. Or given by the application itself with {@link
 * io.github.keystoneauthfilter.KeystoneAuthConfigBuilder#sharedCacheStore} (a store it already has,
 * such as the Spring Boot starter's Spring Data Redis connection factory).
 */
public interface SharedCacheStoreProvider {

  /**
   * The option whose value selects this provider, e.g. {@code redis_url}; the filter parses and
   * checks the option itself, and hands the provider the built configuration. For a provider the
   * application gave, the setting that chose it (e.g. {@code keystone.auth.shared-cache}): messages
   * name it.
   */
  String option();

  /**
   * Makes the store for {@code config}. Must not wait for the network: connect in the background (a
   * store that is down at start is a failing store, not a failed start).
   *
   * @param config the filter's settings; the provider reads the ones it serves
   * @return the store, owned (and closed) by the filter
   * @throws IllegalArgumentException naming the option and the value that cannot be used (never
   *     showing a password it holds)
   */
  SharedCacheStore open(KeystoneAuthConfig config);
}
