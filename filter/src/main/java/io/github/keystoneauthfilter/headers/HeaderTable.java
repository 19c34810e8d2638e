package io.github.keystoneauthfilter.headers;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Header names and values, looked up in any letter case without copying the name. Immutable; built
 * once per identity and shared by every request that carries it.
 */
public final class HeaderTable {
  /** No headers at all. */
  public static final HeaderTable EMPTY = new HeaderTable(Map.of());

  private final TreeMap<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
  private final List<String> names;

  private HeaderTable(Map<String, String> headers) {
    byName.putAll(headers);
    this.names = List.copyOf(headers.keySet());
  }

  /** A table of these headers, in their order, canonical names as given. */
  public static HeaderTable of(Map<String, String> headers) {
    return headers.isEmpty() ? EMPTY : new HeaderTable(headers);
  }

  /** The value of the header {@code name} (any case), or null. */
  public @Nullable String get(String name) {
    return byName.get(name);
  }

  /** Whether the table has the header {@code name} (any case). */
  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /** The canonical names, in order. */
  public List<String> names() {
    return Collections.unmodifiableList(names);
  }
}
