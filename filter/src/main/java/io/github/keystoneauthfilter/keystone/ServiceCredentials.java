package io.github.keystoneauthfilter.keystone;

import java.util.Objects;

/**
 * How the filter logs in to Keystone to get its own service token (keystoneauth's {@code password}
 * plugin, project-scoped). {@link #toString()} never shows the password.
 *
 * @param username the service user's name
 * @param password the service user's password
 * @param userDomainName the service user's domain name
 * @param projectName the project the service token is scoped to
 * @param projectDomainName that project's domain name
 */
public record ServiceCredentials(
    String username,
    String password,
    String userDomainName,
    String projectName,
    String projectDomainName) {

  /** Checks every field is present. */
  public ServiceCredentials {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(userDomainName, "userDomainName");
    Objects.requireNonNull(projectName, "projectName");
    Objects.requireNonNull(projectDomainName, "projectDomainName");
  }

  @Override
  public String toString() {
    return "ServiceCredentials[username="
        + username
        + ", userDomainName="
        + userDomainName
        + ", projectName="
        + projectName
        + ", projectDomainName="
        + projectDomainName
        + ", password=***]";
  }
}
