package io.github.keystoneauthfilter.internal.config;

import static io.github.keystoneauthfilter.internal.config.OptionChecks.required;

import io.github.keystoneauthfilter.KeystoneAuthConfig.AuthType;
import io.github.keystoneauthfilter.KeystoneAuthConfig.MemcacheSecurityStrategy;
import io.github.keystoneauthfilter.config.Credentials;
import io.github.keystoneauthfilter.config.RedisSettings;
import io.github.keystoneauthfilter.config.SharedCacheSettings;
import io.github.keystoneauthfilter.config.TlsSettings;
import io.github.keystoneauthfilter.spi.SharedCacheStoreProvider;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The checks {@code build()} makes across options: each group of settings is made only from a
 * combination that can work, or an {@link IllegalArgumentException} names the options at fault.
 */
public final class ConfigGroups {
  private ConfigGroups() {}

  /** TLS settings; {@code certfile} and {@code keyfile} come both or neither. */
  public static TlsSettings tls(
      @Nullable Path cafile, @Nullable Path certfile, @Nullable Path keyfile, boolean insecure) {
    if (certfile == null && keyfile == null) {
      return new TlsSettings(cafile, null, insecure);
    }
    if (certfile == null || keyfile == null) {
      throw new IllegalArgumentException(
          certfile == null
              ? "keyfile is set but certfile is not"
              : "certfile is set but keyfile is not");
    }
    return new TlsSettings(cafile, new TlsSettings.ClientCertificate(certfile, keyfile), insecure);
  }

  /**
   * The service login for {@code auth_type}: a password login needs {@code username}, {@code
   * password} and {@code project_name}; an application credential needs its secret and its id (or
   * its name and {@code username}), and takes neither a project nor a password.
   */
  public static Credentials credentials(
      AuthType authType,
      @Nullable String username,
      @Nullable String password,
      @Nullable String projectName,
      @Nullable String applicationCredentialId,
      @Nullable String applicationCredentialName,
      @Nullable String applicationCredentialSecret,
      String userDomainName,
      String projectDomainName) {
    if (authType == AuthType.PASSWORD) {
      String user = required("username", username);
      String secret = required("password", password);
      String project = required("project_name", projectName);
      return new Credentials.Password(user, secret, userDomainName, project, projectDomainName);
    }
    String secret = required("application_credential_secret", applicationCredentialSecret);
    if (applicationCredentialId == null
        && (applicationCredentialName == null || username == null)) {
      throw new IllegalArgumentException(
          "auth_type v3applicationcredential needs application_credential_id, or"
              + " application_credential_name and username");
    }
    if (projectName != null || password != null) {
      throw new IllegalArgumentException(
          "auth_type v3applicationcredential takes no "
              + (projectName != null ? "project_name" : "password")
              + ": an application credential carries its own scope and secret");
    }
    return new Credentials.ApplicationCredential(
        applicationCredentialId, applicationCredentialName, username, userDomainName, secret);
  }

  /**
   * The shared cache, in memcached, on Redis, on a store the application gave, or none, never two;
   * the MAC and ENCRYPT strategies need {@code memcache_secret_key}.
   */
  public static SharedCacheSettings sharedCache(
      List<InetSocketAddress> servers,
      MemcacheSecurityStrategy strategy,
      @Nullable String secretKey,
      Duration socketTimeout,
      Duration deadRetry,
      int poolMaxsize,
      @Nullable String redisUrl,
      @Nullable Path redisCafile,
      SharedCacheSettings.EntryFormat entryFormat,
      @Nullable SharedCacheStoreProvider storeProvider) {
    String notMemcached =
        redisUrl != null ? "redis_url" : storeProvider != null ? storeProvider.option() : null;
    if (entryFormat == SharedCacheSettings.EntryFormat.KEYSTONEMIDDLEWARE && notMemcached != null) {
      throw new IllegalArgumentException(
          "memcache_entry_format=keystonemiddleware is set with "
              + notMemcached
              + ": keystonemiddleware keeps its tokens in memcached only; use memcached_servers, or"
              + " memcache_entry_format=native with "
              + notMemcached);
    }
    if (strategy != MemcacheSecurityStrategy.NONE && secretKey == null) {
      throw new IllegalArgumentException(
          "memcache_secret_key is required when memcache_security_strategy is "
              + strategy.optionValue());
    }
    SharedCacheSettings.Protection protection =
        switch (strategy) {
          case NONE -> new SharedCacheSettings.Unprotected();
          case MAC -> new SharedCacheSettings.Signed(required("memcache_secret_key", secretKey));
          case ENCRYPT ->
              new SharedCacheSettings.Encrypted(required("memcache_secret_key", secretKey));
        };
    if (redisUrl != null && !servers.isEmpty()) {
      throw new IllegalArgumentException(
          "memcached_servers and redis_url are both set: the shared token cache is on memcached"
              + " or on Redis, not both; remove one of them");
    }
    if (storeProvider != null && (redisUrl != null || !servers.isEmpty())) {
      throw new IllegalArgumentException(
          (redisUrl != null ? "redis_url" : "memcached_servers")
              + " and "
              + storeProvider.option()
              + " are both set: the shared token cache is on one store, not two; remove one of"
              + " them");
    }
    if (redisUrl == null && redisCafile != null) {
      throw new IllegalArgumentException(
          "redis_cafile is set but redis_url is not: set redis_url (rediss://...) or remove"
              + " redis_cafile");
    }
    return new SharedCacheSettings(
        servers,
        protection,
        socketTimeout,
        deadRetry,
        poolMaxsize,
        redisUrl == null ? null : new RedisSettings(redisUrl, redisCafile),
        entryFormat,
        storeProvider);
  }
}
