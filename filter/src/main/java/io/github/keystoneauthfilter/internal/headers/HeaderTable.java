package io.github.keystoneauthfilter.internal.headers;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Header names and values, looked up in any letter case without copying the name. Immutable and
 * compact (three small arrays); built once per identity and shared by every request that carries
 * it.
 */
public final class HeaderTable {
  /** No headers at all. */
  public static final HeaderTable EMPTY = new HeaderTable(Map.of());

  /** Canonical names in their given order. */
  private final String[] names;

  /** The same names sorted case-insensitively, and the values in that order. */
  private final String[] sortedNames;

  private final String[] sortedValues;

  private HeaderTable(Map<String, String> headers) {
    this.names = headers.keySet().toArray(new String[0]);
    this.sortedNames = names.clone();
    Arrays.sort(sortedNames, String.CASE_INSENSITIVE_ORDER);
    this.sortedValues = new String[sortedNames.length];
    for (int i = 0; i < sortedNames.length; i++) {
      sortedValues[i] = headers.get(sortedNames[i]);
    }
  }

  /** A table of these headers, in their order, canonical names as given. */
  public static HeaderTable of(Map<String, String> headers) {
    return headers.isEmpty() ? EMPTY : new HeaderTable(headers);
  }

  /** The value of the header {@code name} (any case), or null. */
  public @Nullable String get(String name) {
    int i = Arrays.binarySearch(sortedNames, name, String.CASE_INSENSITIVE_ORDER);
    return i >= 0 ? sortedValues[i] : null;
  }

  /** Whether the table has the header {@code name} (any case). */
  public boolean contains(String name) {
    return Arrays.binarySearch(sortedNames, name, String.CASE_INSENSITIVE_ORDER) >= 0;
  }

  /** The canonical names, in order. */
  public List<String> names() {
    return Arrays.asList(names.clone());
  }

  /** The number of headers. */
  public int size() {
    return names.length;
  }

  /**
   * The canonical name of the {@code i}-th header, in order.
   *
   * @throws ArrayIndexOutOfBoundsException unless {@code 0 <= i < size()}
   */
  public String name(int i) {
    return names[i];
  }
}
