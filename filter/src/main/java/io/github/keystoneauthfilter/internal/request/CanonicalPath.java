package io.github.keystoneauthfilter.internal.request;

import org.jspecify.annotations.Nullable;

/**
 * Whether a raw request URI means the same path to every reader of the request. The container
 * decodes and normalises the path the filter decides on ({@code excluded_paths}, access rules),
 * while a router behind it (Spring MVC among them) may match the raw URI: {@code /api/..;/public/x}
 * is {@code /public/x} to Tomcat but under {@code /api/**} to Spring. Only a URI that no reader can
 * take two ways is canonical; any other gets no exemption and no access-rule match.
 */
public final class CanonicalPath {
  private CanonicalPath() {}

  /**
   * Why the raw (undecoded) request URI is not canonical, or null when it is: it must start with
   * {@code /}, and hold no dot segment ({@code .} or {@code ..}), no empty segment ({@code //}; a
   * single trailing {@code /} is fine), no {@code ;} (path parameters), no backslash, and no
   * encoded {@code /}, {@code .}, {@code %} or {@code \} ({@code %2F %2E %25 %5C} in any case) nor
   * a {@code %} without two hex digits after it.
   */
  public static @Nullable String problem(String rawUri) {
    if (rawUri.isEmpty() || rawUri.charAt(0) != '/') {
      return "it does not start with /";
    }
    int segmentStart = 1;
    for (int i = 1; i <= rawUri.length(); i++) {
      char c = i < rawUri.length() ? rawUri.charAt(i) : '/';
      switch (c) {
        case '/' -> {
          String why = segmentProblem(rawUri, segmentStart, i);
          if (why != null) {
            return why;
          }
          segmentStart = i + 1;
        }
        case ';' -> {
          return "it has a ; (path parameter)";
        }
        case '\\' -> {
          return "it has a backslash";
        }
        case '%' -> {
          String why = escapeProblem(rawUri, i);
          if (why != null) {
            return why;
          }
        }
        default -> {
          // an ordinary character of the segment
        }
      }
    }
    return null;
  }

  /** The segment {@code [start, end)}: not {@code .}, {@code ..}, nor empty unless last. */
  private static @Nullable String segmentProblem(String uri, int start, int end) {
    int length = end - start;
    if (length == 0) {
      return end < uri.length() ? "it has an empty segment (//)" : null;
    }
    if (uri.charAt(start) == '.'
        && (length == 1 || (length == 2 && uri.charAt(start + 1) == '.'))) {
      return "it has a dot segment (. or ..)";
    }
    return null;
  }

  /** The escape at {@code percent}: two hex digits, not encoding {@code / . % \}. */
  private static @Nullable String escapeProblem(String uri, int percent) {
    int high = percent + 1 < uri.length() ? hex(uri.charAt(percent + 1)) : -1;
    int low = percent + 2 < uri.length() ? hex(uri.charAt(percent + 2)) : -1;
    if (high < 0 || low < 0) {
      return "it has a % that is not followed by two hex digits";
    }
    return switch (high * 16 + low) {
      case '/', '.', '%', '\\' -> "it has an encoded / . % or \\ (%2F, %2E, %25 or %5C)";
      default -> null;
    };
  }

  /** An ASCII hex digit's value, else -1 ({@link Character#digit} takes other scripts' digits). */
  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    char lower = (char) (c | 0x20);
    return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
  }
}
