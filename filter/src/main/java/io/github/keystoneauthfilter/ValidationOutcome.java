package io.github.keystoneauthfilter;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@link KeystoneTokenValidator} decided about a request's tokens: the decision the filter
 * turns into "pass on", 401 or 503.
 */
public sealed interface ValidationOutcome {

  /**
   * The user token is valid (and allowed for the request, when it carries access rules), and so is
   * the service token if one was sent.
   *
   * @param user what Keystone said about the user token
   * @param service what Keystone said about the service token, or null when none was sent
   */
  record Confirmed(Identity user, @Nullable Identity service) implements ValidationOutcome {
    /** Checks the user identity is present. */
    public Confirmed {
      Objects.requireNonNull(user, "user");
    }
  }

  /**
   * The request is refused (401): no usable user token, an invalid one, access rules that do not
   * allow the request, or a service token that is sent but invalid or without a service role (with
   * {@code service_token_roles_required}).
   *
   * @param reason why, for logs; never contains a token
   * @param user the user identity when the user token itself was fine (the service token spoiled
   *     the request), else null
   * @param service the service identity when the service token was confirmed, else null
   * @param serviceTokenSent whether a (non-blank) service token was sent; with {@code service}
   *     null, it was refused
   */
  record Invalid(
      String reason, @Nullable Identity user, @Nullable Identity service, boolean serviceTokenSent)
      implements ValidationOutcome {
    /** Checks the reason is present. */
    public Invalid {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * No Keystone endpoint could answer (all down, open breakers, the deadline passed, or too many
   * validations already in flight): 503. Never cached.
   *
   * @param retryAfter when trying again is worth it (the earliest breaker half-opens), or null if
   *     unknown
   */
  record Unavailable(@Nullable Duration retryAfter) implements ValidationOutcome {}
}
