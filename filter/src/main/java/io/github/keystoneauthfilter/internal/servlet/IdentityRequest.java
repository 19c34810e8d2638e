package io.github.keystoneauthfilter.internal.servlet;

import io.github.keystoneauthfilter.IdentityHeaders;
import io.github.keystoneauthfilter.internal.headers.HeaderTable;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The request the application sees: every identity header the client sent is hidden (in any case
 * spelling, however many times it was sent), and the verified ones are served instead.
 */
public final class IdentityRequest extends HttpServletRequestWrapper {
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
      return Collections.enumeration(List.of(own));
    }
    return IdentityHeaders.isStripped(name)
        ? Collections.emptyEnumeration()
        : super.getHeaders(name);
  }

  @Override
  public Enumeration<String> getHeaderNames() {
    Set<String> names = new LinkedHashSet<>();
    Enumeration<String> original = super.getHeaderNames();
    if (original != null) {
      while (original.hasMoreElements()) {
        String name = original.nextElement();
        if (!IdentityHeaders.isStripped(name) && !injected.contains(name)) {
          names.add(name);
        }
      }
    }
    names.addAll(injected.names());
    return Collections.enumeration(names);
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
