package io.github.keystoneauthfilter.internal.headers;

import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.IdentityHeaders;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The identity headers a decided request is served, as tables. The filter builds a confirmed
 * identity's table once and keeps it with its decision for that identity.
 */
public final class HeaderTables {
  /** {@code X-Identity-Status: Invalid} alone. */
  public static final HeaderTable INVALID = HeaderTable.of(IdentityHeaders.invalid());

  private HeaderTables() {}

  /**
   * The headers for a decision, as a new table (or {@link #INVALID}).
   *
   * @param user the confirmed user identity, or null (Invalid)
   * @param serviceTokenSent whether a service token was sent (its status is then served)
   * @param service the confirmed service identity, or null
   */
  public static HeaderTable table(
      @Nullable Identity user, boolean serviceTokenSent, @Nullable Identity service) {
    if (!serviceTokenSent) {
      return user != null ? HeaderTable.of(IdentityHeaders.confirmed(user)) : INVALID;
    }
    Map<String, String> combined = new LinkedHashMap<>();
    combined.putAll(user != null ? IdentityHeaders.confirmed(user) : IdentityHeaders.invalid());
    if (service != null) {
      combined.putAll(IdentityHeaders.service(service));
    } else {
      combined.put(IdentityHeaders.SERVICE_IDENTITY_STATUS, IdentityHeaders.INVALID);
    }
    return HeaderTable.of(combined);
  }
}
