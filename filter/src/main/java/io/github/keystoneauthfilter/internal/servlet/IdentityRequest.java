package io.github.keystoneauthfilter.internal.servlet;

import io.github.keystoneauthfilter.IdentityHeaders;
import io.github.keystoneauthfilter.internal.headers.HeaderTable;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.NoSuchElementException;
import org.jspecify.annotations.Nullable;

/**
 * The request the application sees: every identity header the client sent is hidden (in any case
 * spelling, however many times it was sent), and the verified ones are served instead.
 */
public final class IdentityRequest extends HttpServletRequestWrapper {
  private static final String[] NO_NAMES = {};

  private final HeaderTable injected;

  /**
   * Wraps a request.
   *
   * @param request the client's request
   * @param headers the verified headers to serve, canonical name to value
   */
  public IdentityRequest(HttpServletRequest request, Map<String, String> headers) {
    this(request, HeaderTable.of(headers));
  }

  /**
   * Wraps a request.
   *
   * @param request the client's request
   * @param headers the verified headers to serve
   */
  public IdentityRequest(HttpServletRequest request, HeaderTable headers) {
    super(request);
    this.injected = headers;
  }

  /**
   * Whether this wrapper serves exactly this table (the same instance), so that a filter passing
   * the request on again need not wrap it a second time.
   *
   * @param headers a table of verified headers
   * @return whether it is the one this wrapper serves
   */
  public boolean serves(HeaderTable headers) {
    return injected == headers;
  }

  @Override
  public @Nullable String getHeader(String name) {
    String own = injected.get(name);
    if (own != null) {
      return own;
    }
    return IdentityHeaders.isStripped(name) ? null : super.getHeader(name);
  }

  @Override
  public Enumeration<String> getHeaders(String name) {
    String own = injected.get(name);
    if (own != null) {
      return new OneValue(own);
    }
    return IdentityHeaders.isStripped(name)
        ? Collections.emptyEnumeration()
        : super.getHeaders(name);
  }

  /**
   * The client's header names that are neither stripped nor served by this wrapper (each once, in
   * their order), then the served ones in their canonical spelling. Two objects: the array of the
   * client's names kept and the enumeration.
   */
  @Override
  public Enumeration<String> getHeaderNames() {
    String[] kept = NO_NAMES;
    int count = 0;
    Enumeration<String> original = super.getHeaderNames();
    if (original != null) {
      while (original.hasMoreElements()) {
        String name = original.nextElement();
        if (IdentityHeaders.isStripped(name)
            || injected.contains(name)
            || contains(kept, count, name)) {
          continue;
        }
        if (count == kept.length) {
          kept = Arrays.copyOf(kept, Math.max(16, 2 * count));
        }
        kept[count++] = name;
      }
    }
    return new Names(kept, count, injected);
  }

  /** Whether {@code name} is among the first {@code count} (exact spelling, as a set compares). */
  private static boolean contains(String[] names, int count, String name) {
    for (int i = 0; i < count; i++) {
      if (names[i].equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** One header value. */
  @SuppressWarnings("JdkObsolete") // the servlet API's type
  private static final class OneValue implements Enumeration<String> {
    private @Nullable String value;

    OneValue(String value) {
      this.value = value;
    }

    @Override
    public boolean hasMoreElements() {
      return value != null;
    }

    @Override
    public String nextElement() {
      String next = value;
      if (next == null) {
        throw new NoSuchElementException();
      }
      value = null;
      return next;
    }
  }

  /** The client's names kept, then the table's names. */
  @SuppressWarnings("JdkObsolete") // the servlet API's type
  private static final class Names implements Enumeration<String> {
    private final String[] kept;
    private final int keptCount;
    private final HeaderTable served;
    private int next;

    Names(String[] kept, int keptCount, HeaderTable served) {
      this.kept = kept;
      this.keptCount = keptCount;
      this.served = served;
    }

    @Override
    public boolean hasMoreElements() {
      return next < keptCount + served.size();
    }

    @Override
    public String nextElement() {
      int i = next;
      if (i >= keptCount + served.size()) {
        throw new NoSuchElementException();
      }
      next = i + 1;
      return i < keptCount ? kept[i] : served.name(i - keptCount);
    }
  }

  @Override
  public int getIntHeader(String name) {
    String value = getHeader(name);
    return value == null ? -1 : Integer.parseInt(value);
  }

  @Override
  public long getDateHeader(String name) {
    if (injected.contains(name) || IdentityHeaders.isStripped(name)) {
      // None of the identity headers is a date; a forged one must not leak through either.
      String value = getHeader(name);
      if (value == null) {
        return -1;
      }
      throw new IllegalArgumentException(name + " is not a date header");
    }
    return super.getDateHeader(name);
  }
}
