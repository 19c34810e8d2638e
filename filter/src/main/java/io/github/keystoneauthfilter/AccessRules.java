package io.github.keystoneauthfilter;

import io.github.keystoneauthfilter.token.AccessRule;
import io.github.keystoneauthfilter.token.Identity;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Application-credential access rules (keystonemiddleware §3.7), checked on every request, cache
 * hits included. Unlike keystonemiddleware, literal parts of a rule's path are matched literally (a
 * {@code .} is a dot, not "any character").
 */
final class AccessRules {
  private static final Pattern TOKENS =
      Pattern.compile(
          "(?<tag>\\{[^}]*\\})|(?<wild>\\*(?=$|[^*]))|(?<recursive>\\*\\*)|(?<literal>[^{}*]+)");

  private final @Nullable String serviceType;
  private final ConcurrentHashMap<String, Pattern> compiled = new ConcurrentHashMap<>();

  /**
   * @param serviceType this service's catalog type ({@code service_type}), or null if unset
   */
  AccessRules(@Nullable String serviceType) {
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
  @Nullable String refusal(
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
          && pattern(rule.path()).matcher(path).matches()) {
        return null;
      }
    }
    return "no access rule allows " + method + " " + path;
  }

  private Pattern pattern(String rulePath) {
    return compiled.computeIfAbsent(rulePath, AccessRules::compile);
  }

  /** {@code {x}} and {@code *}: one non-empty segment; {@code **}: anything; the rest literal. */
  static Pattern compile(String rulePath) {
    StringBuilder regex = new StringBuilder();
    Matcher token = TOKENS.matcher(rulePath);
    while (token.find()) {
      if (token.group("tag") != null || token.group("wild") != null) {
        regex.append("[^/]+");
      } else if (token.group("recursive") != null) {
        regex.append(".*");
      } else {
        regex.append(Pattern.quote(token.group("literal")));
      }
    }
    return Pattern.compile(regex.toString());
  }
}
