package io.github.keystoneauthfilter.internal.headers;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Header names and values, looked up in any letter case without copying the name. Immutable and
 * compact (three small arrays); built once per identity and shared by every request that carries
 * it.
 */
public final class HeaderTable {
  /**
   * The name arrays of each set of header names seen (in its order), shared by every table with
   * those names: a cached identity's table then holds only its values (benchmarks/notes/fleet.md).
   * The sets are few (which optional headers an identity has); at most {@link #MAX_SHAPES} are
   * kept, tables of further sets get arrays of their own.
   */
  private static final ConcurrentHashMap<List<String>, Shape> SHAPES = new ConcurrentHashMap<>();

  private static final int MAX_SHAPES = 256;

  /** No headers at all. */
  public static final HeaderTable EMPTY = new HeaderTable(Map.of());

  /** Canonical names in their given order. */
  private final String[] names;

  /** The same names sorted case-insensitively, and the values in that order. */
  private final String[] sortedNames;

  private final String[] sortedValues;

  /** Names in their given order, and sorted case-insensitively; never modified. */
  private static final class Shape {
    final String[] names;
    final String[] sortedNames;

    Shape(String[] names, String[] sortedNames) {
      this.names = names;
      this.sortedNames = sortedNames;
    }
  }

  private HeaderTable(Map<String, String> headers) {
    Shape shape = shape(headers.keySet().toArray(new String[0]));
    this.names = shape.names;
    this.sortedNames = shape.sortedNames;
    this.sortedValues = new String[sortedNames.length];
    for (int i = 0; i < sortedNames.length; i++) {
      sortedValues[i] = headers.get(sortedNames[i]);
    }
  }

  private static Shape shape(String[] given) {
    List<String> key = List.of(given);
    Shape known = SHAPES.get(key);
    if (known != null) {
      return known;
    }
    String[] sorted = given.clone();
    Arrays.sort(sorted, String.CASE_INSENSITIVE_ORDER);
    Shape made = new Shape(given, sorted);
    if (SHAPES.size() >= MAX_SHAPES) {
      return made;
    }
    Shape raced = SHAPES.putIfAbsent(key, made);
    return raced != null ? raced : made;
  }

  /** Whether this table and {@code other} share their name arrays (same names, same order). */
  boolean sharesNamesWith(HeaderTable other) {
    return names == other.names && sortedNames == other.sortedNames;
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
