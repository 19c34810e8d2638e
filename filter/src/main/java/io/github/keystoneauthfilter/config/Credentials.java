package io.github.keystoneauthfilter.config;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How the filter logs in to Keystone for its own service token: {@link Password} ({@code
 * auth_type=password}) or {@link ApplicationCredential} ({@code v3applicationcredential}). {@code
 * toString()} never shows the password or the secret.
 */
public sealed interface Credentials {

  /**
   * A service user's password login, scoped to a project.
   *
   * @param username {@code username}
   * @param password {@code password}; never log it
   * @param userDomainName {@code user_domain_name}
   * @param projectName {@code project_name}
   * @param projectDomainName {@code project_domain_name}
   */
  record Password(
      String username,
      String password,
      String userDomainName,
      String projectName,
      String projectDomainName)
      implements Credentials {
    /** Checks every field is present. */
    public Password {
      Objects.requireNonNull(username, "username");
      Objects.requireNonNull(password, "password");
      Objects.requireNonNull(userDomainName, "userDomainName");
      Objects.requireNonNull(projectName, "projectName");
      Objects.requireNonNull(projectDomainName, "projectDomainName");
    }

    @Override
    public String toString() {
      return "Password[username="
          + username
          + ", password=***, userDomainName="
          + userDomainName
          + ", projectName="
          + projectName
          + ", projectDomainName="
          + projectDomainName
          + "]";
    }
  }

  /**
   * An application credential, named by its id, or by its name and its owner's {@code username}
   * (checked by the builder).
   *
   * @param id {@code application_credential_id}, or null when named by name
   * @param name {@code application_credential_name}, or null
   * @param username the owner's {@code username}, or null
   * @param userDomainName {@code user_domain_name}
   * @param secret {@code application_credential_secret}; never log it
   */
  record ApplicationCredential(
      @Nullable String id,
      @Nullable String name,
      @Nullable String username,
      String userDomainName,
      String secret)
      implements Credentials {
    /** Checks there is a secret, and an id or a name with its owner. */
    public ApplicationCredential {
      Objects.requireNonNull(userDomainName, "userDomainName");
      Objects.requireNonNull(secret, "secret");
      if (id == null && (name == null || username == null)) {
        throw new IllegalArgumentException(
            "an application credential needs an id, or a name and its owner's username");
      }
    }

    @Override
    public String toString() {
      return "ApplicationCredential[id="
          + id
          + ", name="
          + name
          + ", username="
          + username
          + ", userDomainName="
          + userDomainName
          + ", secret=***]";
    }
  }
}
