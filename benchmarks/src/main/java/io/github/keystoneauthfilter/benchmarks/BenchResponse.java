package io.github.keystoneauthfilter.benchmarks;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A hand-written response for benchmarks: it keeps the status and the last value of each header set
 * (a short list), and throws the body away. On a cache hit the filter touches none of it.
 */
final class BenchResponse implements HttpServletResponse {
  private final List<String> names = new ArrayList<>(4);
  private final List<String> values = new ArrayList<>(4);
  private int status = SC_OK;
  private @Nullable String contentType;
  private long bodyBytes;

  private final ServletOutputStream out =
      new ServletOutputStream() {
        @Override
        public void write(int b) {
          bodyBytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
          bodyBytes += len;
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
          throw new UnsupportedOperationException("setWriteListener");
        }
      };

  /** Back to a fresh 200 without headers. */
  void reset0() {
    names.clear();
    values.clear();
    status = SC_OK;
    contentType = null;
    bodyBytes = 0;
  }

  /** Bytes written to the body since the last reset. */
  long bodyBytes() {
    return bodyBytes;
  }

  @Override
  public void setStatus(int sc) {
    status = sc;
  }

  @Override
  public int getStatus() {
    return status;
  }

  @Override
  public void setHeader(String name, String value) {
    int i = indexOf(name);
    if (i >= 0) {
      values.set(i, value);
    } else {
      addHeader(name, value);
    }
  }

  @Override
  public void addHeader(String name, String value) {
    names.add(name);
    values.add(value);
  }

  @Override
  public void setIntHeader(String name, int value) {
    setHeader(name, Integer.toString(value));
  }

  @Override
  public void addIntHeader(String name, int value) {
    addHeader(name, Integer.toString(value));
  }

  @Override
  public void setDateHeader(String name, long date) {
    setHeader(name, Long.toString(date));
  }

  @Override
  public void addDateHeader(String name, long date) {
    addHeader(name, Long.toString(date));
  }

  @Override
  public boolean containsHeader(String name) {
    return indexOf(name) >= 0;
  }

  @Override
  public @Nullable String getHeader(String name) {
    int i = indexOf(name);
    return i >= 0 ? values.get(i) : null;
  }

  @Override
  public Collection<String> getHeaders(String name) {
    List<String> found = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).equalsIgnoreCase(name)) {
        found.add(values.get(i));
      }
    }
    return found;
  }

  @Override
  public Collection<String> getHeaderNames() {
    return List.copyOf(names);
  }

  @Override
  public void setContentType(String type) {
    contentType = type;
  }

  @Override
  public @Nullable String getContentType() {
    return contentType;
  }

  @Override
  public void setContentLength(int len) {}

  @Override
  public void setContentLengthLong(long len) {}

  @Override
  public ServletOutputStream getOutputStream() {
    return out;
  }

  @Override
  public PrintWriter getWriter() {
    return new PrintWriter(new StringWriter());
  }

  @Override
  public String getCharacterEncoding() {
    return "UTF-8";
  }

  @Override
  public void setCharacterEncoding(String charset) {}

  @Override
  public void setBufferSize(int size) {}

  @Override
  public int getBufferSize() {
    return 0;
  }

  @Override
  public void flushBuffer() {}

  @Override
  public void resetBuffer() {
    bodyBytes = 0;
  }

  @Override
  public boolean isCommitted() {
    return false;
  }

  @Override
  public void reset() {
    reset0();
  }

  @Override
  public void setLocale(Locale loc) {}

  @Override
  public Locale getLocale() {
    return Locale.ROOT;
  }

  @Override
  public void addCookie(Cookie cookie) {}

  @Override
  public String encodeURL(String url) {
    return url;
  }

  @Override
  public String encodeRedirectURL(String url) {
    return url;
  }

  @Override
  public void sendError(int sc, String msg) {
    status = sc;
  }

  @Override
  public void sendError(int sc) {
    status = sc;
  }

  @Override
  public void sendRedirect(String location) {
    status = SC_FOUND;
  }

  private int indexOf(String name) {
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).equalsIgnoreCase(name)) {
        return i;
      }
    }
    return -1;
  }
}
