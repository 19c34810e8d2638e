package io.github.keystoneauthfilter.internal.request;

import java.util.List;

/**
 * {@code excluded_paths}: exact paths, and prefixes written {@code /p/*} that match {@code /p} and
 * everything below it on a segment boundary ({@code /health/*} does not match {@code /healthz}).
 */
public final class ExcludedPaths {
  private final List<String> exact;
  private final List<String> prefixes;

  public ExcludedPaths(List<String> patterns) {
    this.exact = patterns.stream().filter(p -> !p.endsWith("/*")).toList();
    this.prefixes =
        patterns.stream()
            .filter(p -> p.endsWith("/*"))
            .map(p -> p.substring(0, p.length() - 2))
            .toList();
  }

  public boolean isEmpty() {
    return exact.isEmpty() && prefixes.isEmpty();
  }

  /** Whether {@code path} (within the application, decoded and normalised) is excluded. */
  public boolean matches(String path) {
    if (exact.contains(path)) {
      return true;
    }
    for (String prefix : prefixes) {
      if (path.equals(prefix)
          || (path.startsWith(prefix) && path.charAt(prefix.length()) == '/')
          || prefix.isEmpty()) {
        return true;
      }
    }
    return false;
  }
}
