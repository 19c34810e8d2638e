package io.github.keystoneauthfilter.benchmarks;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletConnection;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.Part;
import java.io.BufferedReader;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A hand-written {@code GET /} request with a fixed list of headers, for benchmarks: header lookup
 * is a case-insensitive linear scan (as a container's few-header request is), attributes live in a
 * {@link HashMap} that {@link #reset()} clears between invocations. Everything a filter does not
 * touch throws {@link UnsupportedOperationException}, so an unexpected call shows up at once.
 */
final class BenchRequest implements HttpServletRequest {
  private final String[] names;
  private final String[] values;
  private final Map<String, Object> attributes = new HashMap<>();

  /**
   * A request with these headers.
   *
   * @param headers name, value, name, value, ...
   */
  BenchRequest(String... headers) {
    if (headers.length % 2 != 0) {
      throw new IllegalArgumentException("name/value pairs expected");
    }
    names = new String[headers.length / 2];
    values = new String[headers.length / 2];
    for (int i = 0; i < names.length; i++) {
      names[i] = headers[2 * i];
      values[i] = headers[2 * i + 1];
    }
  }

  /** Forgets the attributes, as a new request would have none. */
  void reset() {
    attributes.clear();
  }

  @Override
  public @Nullable String getHeader(String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equalsIgnoreCase(name)) {
        return values[i];
      }
    }
    return null;
  }

  @Override
  public Enumeration<String> getHeaders(String name) {
    List<String> found = new ArrayList<>(1);
    for (int i = 0; i < names.length; i++) {
      if (names[i].equalsIgnoreCase(name)) {
        found.add(values[i]);
      }
    }
    return Collections.enumeration(found);
  }

  @Override
  public Enumeration<String> getHeaderNames() {
    return Collections.enumeration(List.of(names));
  }

  @Override
  public int getIntHeader(String name) {
    String value = getHeader(name);
    return value == null ? -1 : Integer.parseInt(value);
  }

  @Override
  public long getDateHeader(String name) {
    if (getHeader(name) == null) {
      return -1;
    }
    throw new UnsupportedOperationException("getDateHeader");
  }

  @Override
  public @Nullable Object getAttribute(String name) {
    return attributes.get(name);
  }

  @Override
  public Enumeration<String> getAttributeNames() {
    return Collections.enumeration(attributes.keySet());
  }

  @Override
  public void setAttribute(String name, Object o) {
    attributes.put(name, o);
  }

  @Override
  public void removeAttribute(String name) {
    attributes.remove(name);
  }

  @Override
  public String getMethod() {
    return "GET";
  }

  @Override
  public String getRequestURI() {
    return "/";
  }

  @Override
  public StringBuffer getRequestURL() {
    return new StringBuffer("http://127.0.0.1/");
  }

  @Override
  public String getContextPath() {
    return "";
  }

  @Override
  public String getServletPath() {
    return "/";
  }

  @Override
  public @Nullable String getPathInfo() {
    return null;
  }

  @Override
  public @Nullable String getPathTranslated() {
    return null;
  }

  @Override
  public @Nullable String getQueryString() {
    return null;
  }

  @Override
  public DispatcherType getDispatcherType() {
    return DispatcherType.REQUEST;
  }

  @Override
  public String getProtocol() {
    return "HTTP/1.1";
  }

  @Override
  public String getScheme() {
    return "http";
  }

  @Override
  public String getServerName() {
    return "127.0.0.1";
  }

  @Override
  public int getServerPort() {
    return 80;
  }

  @Override
  public String getRemoteAddr() {
    return "127.0.0.1";
  }

  @Override
  public String getRemoteHost() {
    return "127.0.0.1";
  }

  @Override
  public int getRemotePort() {
    return 40000;
  }

  @Override
  public String getLocalName() {
    return "127.0.0.1";
  }

  @Override
  public String getLocalAddr() {
    return "127.0.0.1";
  }

  @Override
  public int getLocalPort() {
    return 80;
  }

  @Override
  public boolean isSecure() {
    return false;
  }

  @Override
  public @Nullable String getCharacterEncoding() {
    return null;
  }

  @Override
  public void setCharacterEncoding(String env) {}

  @Override
  public int getContentLength() {
    return -1;
  }

  @Override
  public long getContentLengthLong() {
    return -1;
  }

  @Override
  public @Nullable String getContentType() {
    return null;
  }

  @Override
  public Locale getLocale() {
    return Locale.ROOT;
  }

  @Override
  public Enumeration<Locale> getLocales() {
    return Collections.enumeration(List.of(Locale.ROOT));
  }

  @Override
  public String getRequestId() {
    return "0";
  }

  @Override
  public String getProtocolRequestId() {
    return "";
  }

  @Override
  public @Nullable String getAuthType() {
    return null;
  }

  @Override
  public @Nullable String getRemoteUser() {
    return null;
  }

  @Override
  public @Nullable Principal getUserPrincipal() {
    return null;
  }

  @Override
  public boolean isUserInRole(String role) {
    return false;
  }

  @Override
  public Cookie[] getCookies() {
    return new Cookie[0];
  }

  @Override
  public boolean isAsyncStarted() {
    return false;
  }

  @Override
  public boolean isAsyncSupported() {
    return false;
  }

  // ------------------------------------------------------------ not needed by a filter

  @Override
  public ServletInputStream getInputStream() {
    throw unsupported("getInputStream");
  }

  @Override
  public BufferedReader getReader() {
    throw unsupported("getReader");
  }

  @Override
  public String getParameter(String name) {
    throw unsupported("getParameter");
  }

  @Override
  public Enumeration<String> getParameterNames() {
    throw unsupported("getParameterNames");
  }

  @Override
  public String[] getParameterValues(String name) {
    throw unsupported("getParameterValues");
  }

  @Override
  public Map<String, String[]> getParameterMap() {
    throw unsupported("getParameterMap");
  }

  @Override
  public RequestDispatcher getRequestDispatcher(String path) {
    throw unsupported("getRequestDispatcher");
  }

  @Override
  public ServletContext getServletContext() {
    throw unsupported("getServletContext");
  }

  @Override
  public AsyncContext startAsync() {
    throw unsupported("startAsync");
  }

  @Override
  public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
    throw unsupported("startAsync");
  }

  @Override
  public AsyncContext getAsyncContext() {
    throw unsupported("getAsyncContext");
  }

  @Override
  public ServletConnection getServletConnection() {
    throw unsupported("getServletConnection");
  }

  @Override
  public String getRequestedSessionId() {
    throw unsupported("getRequestedSessionId");
  }

  @Override
  public HttpSession getSession(boolean create) {
    throw unsupported("getSession");
  }

  @Override
  public HttpSession getSession() {
    throw unsupported("getSession");
  }

  @Override
  public String changeSessionId() {
    throw unsupported("changeSessionId");
  }

  @Override
  public boolean isRequestedSessionIdValid() {
    return false;
  }

  @Override
  public boolean isRequestedSessionIdFromCookie() {
    return false;
  }

  @Override
  public boolean isRequestedSessionIdFromURL() {
    return false;
  }

  @Override
  public boolean authenticate(HttpServletResponse response) {
    throw unsupported("authenticate");
  }

  @Override
  public void login(String username, String password) {
    throw unsupported("login");
  }

  @Override
  public void logout() {
    throw unsupported("logout");
  }

  @Override
  public Collection<Part> getParts() {
    throw unsupported("getParts");
  }

  @Override
  public Part getPart(String name) {
    throw unsupported("getPart");
  }

  @Override
  public <T extends HttpUpgradeHandler> T upgrade(Class<T> handlerClass) {
    throw unsupported("upgrade");
  }

  private static UnsupportedOperationException unsupported(String method) {
    return new UnsupportedOperationException("BenchRequest." + method);
  }
}
