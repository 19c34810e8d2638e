package io.github.keystoneauthfilter.internal.config;

import io.github.keystoneauthfilter.config.RedisSettings;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The checks behind {@link io.github.keystoneauthfilter.KeystoneAuthConfigBuilder}'s setters: each
 * turns a value into its validated form or throws an {@link IllegalArgumentException} naming the
 * option and (except for secrets) the value.
 */
public final class OptionChecks {
  private OptionChecks() {}

  /** {@code value} stripped; it must not be blank. The error echoes the value. */
  public static String nonBlank(String option, String value) {
    return nonBlank(option, value, true);
  }

  /**
   * {@code value}, stripped when {@code echo}; it must not be blank.
   *
   * @param echo false for secrets: the value is kept as given and never put in the error
   */
  public static String nonBlank(String option, String value, boolean echo) {
    Objects.requireNonNull(value, option);
    if (value.isBlank()) {
      throw new IllegalArgumentException(
          option + " must not be blank" + (echo ? " but was '" + value + "'" : ""));
    }
    return echo ? value.strip() : value;
  }

  /** {@code value}; an error saying {@code option is required} when it is null. */
  public static String required(String option, @Nullable String value) {
    if (value == null) {
      throw new IllegalArgumentException(option + " is required");
    }
    return value;
  }

  /** {@code value}, which must be longer than zero. */
  public static Duration positive(String option, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw InitParameters.bad(option, secondsText(value), "a positive number of seconds");
    }
    return value;
  }

  /** Seconds as an operator writes them: {@code 5}, {@code 1.5}. */
  public static String secondsText(Duration value) {
    return BigDecimal.valueOf(value.toMillis(), 3).stripTrailingZeros().toPlainString();
  }

  /** A Keystone root: http(s), a host, no query or fragment, without trailing {@code /} or v3. */
  public static URI keystoneUrl(String option, String url) {
    String trimmed = url.strip();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    if (trimmed.toLowerCase(Locale.ROOT).endsWith("/v3")) {
      trimmed = trimmed.substring(0, trimmed.length() - 3);
    }
    try {
      URI uri = new URI(trimmed);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https"))
          || uri.getHost() == null
          || uri.getQuery() != null
          || uri.getFragment() != null) {
        throw new URISyntaxException(trimmed, "not an http(s) URL");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw InitParameters.bad(
          option, url, "an http(s) URL such as http://keystone.example.com:5000/v3");
    }
  }

  /** A regular file this process can read. */
  public static Path readable(String option, String path) {
    String trimmed = nonBlank(option, path);
    try {
      Path file = Path.of(trimmed);
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw InitParameters.bad(option, path, "a readable file");
      }
      return file;
    } catch (InvalidPathException e) {
      throw InitParameters.bad(option, path, "a file path");
    }
  }

  /** {@code host:port} or {@code [v6]:port}, unresolved. */
  public static InetSocketAddress hostPort(String option, String value) {
    String trimmed = value.strip();
    int colon = trimmed.lastIndexOf(':');
    String host = colon < 0 ? "" : trimmed.substring(0, colon);
    String port = colon < 0 ? "" : trimmed.substring(colon + 1);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      host = ""; // an IPv6 address needs brackets
    }
    if (host.isBlank()
        || !host.matches("[A-Za-z0-9.:_-]+")
        || !port.matches("\\d{1,5}")
        || Integer.parseInt(port) < 1
        || Integer.parseInt(port) > 65_535) {
      throw InitParameters.bad(
          option, value, "host:port entries such as 127.0.0.1:11211 or [::1]:11211");
    }
    return InetSocketAddress.createUnresolved(host, Integer.parseInt(port));
  }

  private static final String REDIS_URL_FORMS =
      "redis://[user:password@]host[:port][/db], rediss://... (TLS),"
          + " redis-sentinel://[user:password@]host[:port][,host[:port]...][/db]#master,"
          + " rediss-sentinel://..., redis-cluster://[user:password@]host[:port][,host[:port]...]"
          + " or rediss-cluster://...";

  /**
   * A Redis URL in one of the forms {@code redis_url} takes, stripped. Checks the form only
   * (scheme, hosts, ports, database, Sentinel master); the Redis module reads it. The error shows
   * the value with its user and password masked.
   */
  public static String redisUrlForm(String option, String value) {
    String url = value.strip();
    String shown = RedisSettings.masked(url);
    int colon = url.indexOf("://");
    String scheme = colon < 0 ? "" : url.substring(0, colon).toLowerCase(Locale.ROOT);
    boolean sentinel = scheme.endsWith("-sentinel");
    boolean cluster = scheme.endsWith("-cluster");
    if (!List.of(
            "redis",
            "rediss",
            "redis-sentinel",
            "rediss-sentinel",
            "redis-cluster",
            "rediss-cluster")
        .contains(scheme)) {
      throw InitParameters.bad(option, shown, "one of " + REDIS_URL_FORMS);
    }
    String rest = url.substring(colon + 3);
    String fragment = "";
    int hash = rest.indexOf('#');
    if (hash >= 0) {
      fragment = rest.substring(hash + 1);
      rest = rest.substring(0, hash);
    }
    String path = "";
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      path = rest.substring(slash + 1);
      rest = rest.substring(0, slash);
    }
    int query = path.indexOf('?');
    if (query >= 0) {
      path = path.substring(0, query);
    } else if (rest.indexOf('?') >= 0) {
      rest = rest.substring(0, rest.indexOf('?'));
    }
    String hosts = rest.substring(rest.lastIndexOf('@') + 1);
    List<String> entries = List.of(hosts.split(",", -1));
    boolean hostsOk = (sentinel || cluster) ? !entries.isEmpty() : entries.size() == 1;
    for (String entry : entries) {
      hostsOk &= entry.matches("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)(:\\d{1,5})?");
      int portAt = entry.lastIndexOf(':');
      if (hostsOk && portAt > entry.lastIndexOf(']')) {
        int port = Integer.parseInt(entry.substring(portAt + 1));
        hostsOk = port >= 1 && port <= 65_535;
      }
    }
    boolean pathOk = path.isEmpty() || (!cluster && path.matches("\\d{1,2}"));
    boolean fragmentOk = sentinel ? !fragment.isBlank() : fragment.isEmpty();
    if (!hostsOk || !pathOk || !fragmentOk) {
      throw InitParameters.bad(option, shown, "one of " + REDIS_URL_FORMS);
    }
    return url;
  }

  /** {@code value}, which must be at least 1. */
  public static int atLeastOne(String option, int value) {
    return (int) atLeastOne(option, (long) value);
  }

  /** {@code value}, which must be at least 1. */
  public static long atLeastOne(String option, long value) {
    if (value < 1) {
      throw InitParameters.bad(option, Long.toString(value), "a whole number of at least 1");
    }
    return value;
  }

  /** {@code value}, which must not be negative. */
  public static int notNegative(String option, int value) {
    if (value < 0) {
      throw InitParameters.bad(option, Integer.toString(value), "a whole number of at least 0");
    }
    return value;
  }

  /** {@code value}, which must be from 0 to 1. */
  public static double fraction(String option, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw InitParameters.bad(option, Double.toString(value), "a number from 0 to 1 such as 0.1");
    }
    return value;
  }

  /** An absolute URL with a host and no {@code "}, as sent in {@code WWW-Authenticate}. */
  public static URI absoluteUrl(String option, String value) {
    String trimmed = nonBlank(option, value);
    try {
      URI uri = new URI(trimmed);
      if (!uri.isAbsolute() || uri.getHost() == null || trimmed.contains("\"")) {
        throw new URISyntaxException(trimmed, "not an absolute http(s) URL");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw InitParameters.bad(
          option, value, "an absolute URL such as https://keystone.example.com:5000");
    }
  }

  /** Paths starting with {@code /}, optionally ending in {@code /*}, each stripped. */
  public static List<String> excludedPathList(String option, List<String> paths) {
    for (String path : paths) {
      String p = path.strip();
      if (!p.startsWith("/")
          || (p.contains("*") && !(p.endsWith("/*") && p.indexOf('*') == p.length() - 1))) {
        throw InitParameters.bad(
            option,
            path,
            "paths starting with '/', optionally ending in '/*' (no other wildcards)");
      }
    }
    return paths.stream().map(String::strip).toList();
  }

  /** At least one role name, none blank, each stripped. */
  public static List<String> roleList(String option, List<String> roles) {
    if (roles.isEmpty() || roles.stream().anyMatch(String::isBlank)) {
      throw InitParameters.bad(
          option, String.join(",", roles), "a comma-separated list of role names");
    }
    return roles.stream().map(String::strip).toList();
  }

  /** A JMX name part: 1 to 100 letters, digits, {@code .}, {@code _} or {@code -}. */
  public static String jmxName(String option, String value) {
    String name = nonBlank(option, value);
    if (!name.matches("[A-Za-z0-9._-]{1,100}")) {
      throw InitParameters.bad(
          option,
          value,
          "at most 100 letters, digits, '.', '_' or '-' (a name unique within the JVM)");
    }
    return name;
  }
}
