package io.github.keystoneauthfilter.internal.headers;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.IdentityHeaders;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The identity headers a decided request is served, as tables. */
public final class HeaderTables {
  /** {@code X-Identity-Status: Invalid} alone. */
  public static final HeaderTable INVALID = HeaderTable.of(IdentityHeaders.invalid());

  /**
   * Each cached identity's header table, built once. Weak keys (compared by identity), so an entry
   * goes when the token cache lets the identity go.
   */
  private final Cache<Identity, HeaderTable> userHeaders =
      Caffeine.newBuilder().weakKeys().executor(Runnable::run).build();

  /**
   * The headers for a decision.
   *
   * @param user the confirmed user identity, or null (Invalid)
   * @param serviceTokenSent whether a service token was sent (its status is then served)
   * @param service the confirmed service identity, or null
   */
  public HeaderTable table(
      @Nullable Identity user, boolean serviceTokenSent, @Nullable Identity service) {
    if (!serviceTokenSent) {
      // The common case: the table is built once per identity and shared by its requests.
      return user != null
          ? userHeaders.get(user, id -> HeaderTable.of(IdentityHeaders.confirmed(id)))
          : INVALID;
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
