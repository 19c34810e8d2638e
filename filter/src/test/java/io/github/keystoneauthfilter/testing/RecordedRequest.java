package io.github.keystoneauthfilter.testing;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * One request {@link FakeKeystone} received, as it arrived (before any fault was applied).
 *
 * @param method e.g. {@code GET}
 * @param path the raw path, e.g. {@code /v3/auth/tokens}
 * @param query the raw query string without {@code ?}, or null if there was none
 * @param headers every header, names looked up case-insensitively
 * @param body the body decoded as UTF-8 (empty if none)
 * @param receivedAt when it arrived, by the server's clock
 */
public record RecordedRequest(
    String method,
    String path,
    @Nullable String query,
    Map<String, List<String>> headers,
    String body,
    Instant receivedAt) {

  /** Copies {@code headers} into an unmodifiable case-insensitive map. */
  public RecordedRequest {
    TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach((name, values) -> copy.merge(name, List.copyOf(values), RecordedRequest::join));
    headers = Collections.unmodifiableMap(copy);
  }

  /** The first value of this header (any case), or null if absent. */
  public @Nullable String header(String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** Every value of this header (any case); empty if absent. */
  public List<String> headerValues(String name) {
    return headers.getOrDefault(name, List.of());
  }

  /** Whether the query has this parameter, with or without a value ({@code ?nocatalog}). */
  public boolean hasQueryParameter(String name) {
    return queryParameter(name) != null;
  }

  /**
   * The decoded value of the first such query parameter: {@code ""} for a bare {@code ?name}, null
   * if absent.
   */
  public @Nullable String queryParameter(String name) {
    return queryParameter(query, name);
  }

  /** Like {@link #queryParameter(String)} on any raw query string. */
  static @Nullable String queryParameter(@Nullable String query, String name) {
    if (query == null || query.isEmpty()) {
      return null;
    }
    for (String pair : query.split("&", -1)) {
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      if (key.equals(name)) {
        return eq < 0 ? "" : decode(pair.substring(eq + 1));
      }
    }
    return null;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static List<String> join(List<String> a, List<String> b) {
    return Stream.concat(a.stream(), b.stream()).toList();
  }
}
