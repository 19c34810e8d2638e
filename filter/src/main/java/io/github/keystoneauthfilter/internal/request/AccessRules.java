package io.github.keystoneauthfilter.internal.request;

import io.github.keystoneauthfilter.AccessRule;
import io.github.keystoneauthfilter.Identity;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Application-credential access rules (keystonemiddleware §3.7), checked on every request, cache
 * hits included. Unlike keystonemiddleware, literal parts of a rule's path are matched literally (a
 * {@code .} is a dot, not "any character").
 *
 * <p>Rules come from tokens, so they are treated as hostile: a rule path is parsed afresh on each
 * check (nothing is kept per rule, so the memory used does not grow with the rules seen) and
 * matched without backtracking, in time proportional to (rule length + 1) × path length at worst.
 */
public final class AccessRules {
  private final @Nullable String serviceType;

  /**
   * @param serviceType this service's catalog type ({@code service_type}), or null if unset
   */
  public AccessRules(@Nullable String serviceType) {
    this.serviceType = serviceType;
  }

  /**
   * Whether the identity may make this request.
   *
   * @param identity the validated user identity
   * @param method the request's method
   * @param path the request's full path (context path included)
   * @param withServiceToken whether a confirmed service token came with the request
   * @return null when allowed, else why not (for the log)
   */
  public @Nullable String refusal(
      Identity identity, String method, String path, boolean withServiceToken) {
    List<AccessRule> rules = identity.accessRules();
    if (rules == null) {
      return null;
    }
    String type = serviceType;
    if (type == null) {
      return "the token's application credential has access rules, but service_type is not set";
    }
    if (type.equals("identity") && method.equals("GET") && path.endsWith("/v3/auth/tokens")) {
      return null;
    }
    Set<String> catalog = identity.catalogServiceTypes();
    if (catalog == null) {
      return "access rules need the token's catalog: set include_service_catalog=true";
    }
    if (!catalog.contains(type)) {
      return "service type " + type + " is not in the token's catalog";
    }
    if (withServiceToken) {
      return null;
    }
    for (AccessRule rule : rules) {
      if (rule.method().equals(method)
          && rule.service().equals(type)
          && RulePath.parse(rule.path()).matches(path)) {
        return null;
      }
    }
    return "no access rule allows " + method + " " + path;
  }

  /**
   * A rule's path pattern: {@code {x}} and {@code *} match one non-empty segment (one or more
   * characters other than {@code /}), {@code **} matches anything, also nothing (like the regex
   * {@code .*}: it may cross {@code /} and start or end mid-segment, but not a line terminator),
   * and everything else is literal; the whole path must match.
   *
   * <p>This is exactly what the regex this class used to build from a rule matched (a {@code {...}}
   * up to the first closing brace, a {@code **} before a lone {@code *}, a closing brace outside a
   * tag and an opening brace with no closing brace after it ignored; the path taken code point by
   * code point, as {@link java.util.regex.Pattern} does, so a surrogate pair is never split), but
   * decided by following every way of matching at once, one code point of the path at a time,
   * instead of trying them one after another.
   */
  static final class RulePath {
    /** One code point of a literal. */
    private static final byte LITERAL = 0;

    /** {@code [^/]}: a segment's first code point. */
    private static final byte NOT_SLASH = 1;

    /** {@code [^/]*}: the rest of a segment. */
    private static final byte MORE_NOT_SLASH = 2;

    /** {@code .*}. */
    private static final byte ANYTHING = 3;

    private final byte[] kinds;
    private final int[] literals;

    private RulePath(byte[] kinds, int[] literals) {
      this.kinds = kinds;
      this.literals = literals;
    }

    /** Parses a rule's path; linear in its length, never fails. */
    static RulePath parse(String rule) {
      int n = rule.length();
      byte[] kinds = new byte[2 * n];
      int[] literals = new int[2 * n];
      int size = 0;
      int lastClose = rule.lastIndexOf('}');
      int i = 0;
      while (i < n) {
        int c = rule.codePointAt(i);
        if (c == '{') {
          if (i < lastClose) {
            kinds[size++] = NOT_SLASH;
            kinds[size++] = MORE_NOT_SLASH;
            i = rule.indexOf('}', i + 1) + 1;
          } else {
            i++; // no closing brace after it: the old pattern skipped it
          }
        } else if (c == '}') {
          i++; // outside a tag: skipped
        } else if (c == '*') {
          if (i + 1 < n && rule.charAt(i + 1) == '*') {
            kinds[size++] = ANYTHING;
            i += 2;
          } else {
            kinds[size++] = NOT_SLASH;
            kinds[size++] = MORE_NOT_SLASH;
            i++;
          }
        } else {
          kinds[size] = LITERAL;
          literals[size++] = c;
          i += Character.charCount(c);
        }
      }
      return new RulePath(Arrays.copyOf(kinds, size), Arrays.copyOf(literals, size));
    }

    /**
     * Whether the whole of {@code path} matches. State {@code s} means "the first {@code s}
     * elements are matched"; at a repeated element ({@code [^/]*}, {@code .*}) it may take a code
     * point and stay, or move on without taking one. Time: (elements + 1) × path length at worst;
     * memory: two arrays of (elements + 1).
     */
    boolean matches(String path) {
      int m = kinds.length;
      int n = path.length();
      boolean[] here = new boolean[m + 1];
      boolean[] next = new boolean[m + 1];
      here[0] = true;
      int p = 0;
      while (true) {
        for (int s = 0; s < m; s++) {
          if (here[s] && (kinds[s] == ANYTHING || kinds[s] == MORE_NOT_SLASH)) {
            here[s + 1] = true; // may match nothing more
          }
        }
        if (p == n) {
          return here[m];
        }
        int c = path.codePointAt(p);
        p += Character.charCount(c);
        boolean slash = c == '/';
        boolean lineEnd = isLineTerminator(c);
        boolean any = false;
        Arrays.fill(next, false);
        for (int s = 0; s < m; s++) {
          if (here[s]) {
            int to =
                switch (kinds[s]) {
                  case LITERAL -> literals[s] == c ? s + 1 : -1;
                  case NOT_SLASH -> slash ? -1 : s + 1;
                  case MORE_NOT_SLASH -> slash ? -1 : s;
                  default -> lineEnd ? -1 : s; // ANYTHING
                };
            if (to >= 0) {
              next[to] = true;
              any = true;
            }
          }
        }
        if (!any) {
          return false;
        }
        boolean[] swap = here;
        here = next;
        next = swap;
      }
    }

    /** What the regex {@code .} does not match (without DOTALL or UNIX_LINES). */
    private static boolean isLineTerminator(int c) {
      return c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029';
    }
  }
}
