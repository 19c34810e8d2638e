package io.github.keystoneauthfilter.internal.token;

import io.github.keystoneauthfilter.Identity;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A definite answer about a token: the outcomes that may be cached. "Keystone could not be asked"
 * is not one of them; it is a {@link KeystoneUnavailableException}.
 */
public sealed interface TokenValidation {

  /**
   * Keystone vouched for the token.
   *
   * @param identity what Keystone said about the token
   * @param usableUntil the latest time this answer may be used without asking Keystone again, when
   *     it was not just given by Keystone: an answer from the shared cache carries the time sealed
   *     into its entry (Keystone's answer + {@code token_cache_time}, never past the token's
   *     expiry), and no cache may keep it longer. Null for an answer fresh from Keystone: the
   *     in-process cache then counts {@code token_cache_time} from now.
   * @param body Keystone's answer as it came, kept only when the shared cache writes
   *     keystonemiddleware's entries (which hold that answer) and only until it has; null
   *     otherwise, so that no cache holds it
   */
  record Valid(Identity identity, @Nullable Instant usableUntil, @Nullable KeystoneBody body)
      implements TokenValidation {
    /** Checks the identity is present. */
    public Valid {
      Objects.requireNonNull(identity, "identity");
    }

    /**
     * An answer without Keystone's body.
     *
     * @param identity what Keystone said about the token
     * @param usableUntil as in the canonical constructor
     */
    public Valid(Identity identity, @Nullable Instant usableUntil) {
      this(identity, usableUntil, null);
    }

    /**
     * An answer fresh from Keystone (no earlier limit on its use).
     *
     * @param identity what Keystone said about the token
     */
    public Valid(Identity identity) {
      this(identity, null);
    }
  }

  /**
   * The JSON body of Keystone's validation answer, as it came (a token's whole identity: never log
   * it). Not copied: nobody writes to it.
   */
  @SuppressWarnings("ArrayRecordComponent") // identity equality is enough for a body in passing
  record KeystoneBody(byte[] json) {
    @Override
    public String toString() {
      return "KeystoneBody[" + json.length + " bytes]";
    }
  }

  /**
   * Keystone said the token is not valid (unknown, expired or revoked), or a local check failed.
   *
   * @param reason a short reason for logs; never contains the token
   */
  record Invalid(String reason) implements TokenValidation {
    /** Checks the reason is present. */
    public Invalid {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
