package io.github.keystoneauthfilter.config;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The shared token cache on Redis or Valkey ({@code redis_url} set), served by the optional {@code
 * keystone-auth-redis} module.
 *
 * @param url {@code redis_url}: {@code redis://}, {@code rediss://} (TLS), {@code
 *     redis-sentinel://}, {@code rediss-sentinel://}, {@code redis-cluster://} or {@code
 *     rediss-cluster://}; it may hold a user and password: never log it, log {@link #safeUrl()}
 * @param cafile {@code redis_cafile}: PEM CA certificates that a {@code rediss} server's
 *     certificate chains to, or null for the JVM's trusted CAs
 */
public record RedisSettings(String url, @Nullable Path cafile) {

  /** The URL with its user and password (if any) shown as {@code ***}: safe to log. */
  public String safeUrl() {
    return masked(url);
  }

  /**
   * {@code url} with everything between {@code ://} and the last {@code @} of the authority masked.
   */
  public static String masked(String url) {
    int start = url.indexOf("://");
    if (start < 0) {
      return url.indexOf('@') < 0 ? url : "***";
    }
    start += 3;
    int end = url.length();
    for (char c : new char[] {'/', '?', '#'}) {
      int at = url.indexOf(c, start);
      if (at >= 0 && at < end) {
        end = at;
      }
    }
    int at = url.lastIndexOf('@', end - 1);
    return at < start ? url : url.substring(0, start) + "***" + url.substring(at);
  }

  @Override
  public String toString() {
    return "RedisSettings[url=" + safeUrl() + ", cafile=" + cafile + "]";
  }
}
