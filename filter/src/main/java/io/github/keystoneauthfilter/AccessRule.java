package io.github.keystoneauthfilter;

import java.util.Objects;

/**
 * One access rule of an application credential: the credential's token may only call {@code method}
 * on {@code path} (a pattern) of the service of type {@code service}.
 *
 * @param service the service type, e.g. {@code compute}
 * @param method the HTTP method, e.g. {@code GET}
 * @param path the path pattern: {@code {name}} and {@code *} match one non-empty segment, {@code
 *     **} matches anything (also nothing), everything else is literal
 */
public record AccessRule(String service, String method, String path) {
  /** Checks every field is present. */
  public AccessRule {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
  }
}
