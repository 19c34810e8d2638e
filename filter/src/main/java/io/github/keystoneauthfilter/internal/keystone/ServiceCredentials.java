package io.github.keystoneauthfilter.internal.keystone;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How the filter logs in to Keystone to get its own service token: keystoneauth's {@code password}
 * plugin (project-scoped) or {@code v3applicationcredential}. Their {@code toString()} never shows
 * a secret.
 */
public sealed interface ServiceCredentials {

  /** The JSON body of {@code POST /v3/auth/tokens} for these credentials. */
  byte[] loginBody(ObjectMapper mapper);

  /** Password login, scoped to a project. */
  static ServiceCredentials password(
      String username,
      String password,
      String userDomainName,
      String projectName,
      String projectDomainName) {
    return new Password(username, password, userDomainName, projectName, projectDomainName);
  }

  /**
   * Password login (keystoneauth's {@code password} plugin), project-scoped.
   *
   * @param username the service user's name
   * @param password the service user's password
   * @param userDomainName the service user's domain name
   * @param projectName the project the service token is scoped to
   * @param projectDomainName that project's domain name
   */
  record Password(
      String username,
      String password,
      String userDomainName,
      String projectName,
      String projectDomainName)
      implements ServiceCredentials {

    /** Checks every field is present. */
    public Password {
      Objects.requireNonNull(username, "username");
      Objects.requireNonNull(password, "password");
      Objects.requireNonNull(userDomainName, "userDomainName");
      Objects.requireNonNull(projectName, "projectName");
      Objects.requireNonNull(projectDomainName, "projectDomainName");
    }

    @Override
    public byte[] loginBody(ObjectMapper mapper) {
      ObjectNode body = mapper.createObjectNode();
      ObjectNode auth = body.putObject("auth");
      ObjectNode identity = auth.putObject("identity");
      identity.putArray("methods").add("password");
      ObjectNode user = identity.putObject("password").putObject("user");
      user.put("name", username);
      user.putObject("domain").put("name", userDomainName);
      user.put("password", password);
      ObjectNode project = auth.putObject("scope").putObject("project");
      project.put("name", projectName);
      project.putObject("domain").put("name", projectDomainName);
      return write(mapper, body);
    }

    @Override
    public String toString() {
      return "Password[username="
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

  /**
   * Application-credential login (keystoneauth's {@code v3applicationcredential}): by id, or by
   * name with its owner's name and domain. The credential carries its own scope.
   *
   * @param id the credential's id, or null to name it
   * @param name the credential's name, when no id
   * @param username its owner's name, when named
   * @param userDomainName its owner's domain name, when named
   * @param secret the credential's secret
   */
  record ApplicationCredential(
      @Nullable String id,
      @Nullable String name,
      @Nullable String username,
      String userDomainName,
      String secret)
      implements ServiceCredentials {

    /** Checks there is an id, or a name with an owner. */
    public ApplicationCredential {
      Objects.requireNonNull(secret, "secret");
      Objects.requireNonNull(userDomainName, "userDomainName");
      if (id == null && (name == null || username == null)) {
        throw new IllegalArgumentException(
            "an application credential needs an id, or a name and a username");
      }
    }

    @Override
    public byte[] loginBody(ObjectMapper mapper) {
      ObjectNode body = mapper.createObjectNode();
      ObjectNode identity = body.putObject("auth").putObject("identity");
      identity.putArray("methods").add("application_credential");
      ObjectNode credential = identity.putObject("application_credential");
      if (id != null) {
        credential.put("id", id);
      } else {
        credential.put("name", name);
        ObjectNode user = credential.putObject("user");
        user.put("name", username);
        user.putObject("domain").put("name", userDomainName);
      }
      credential.put("secret", secret);
      return write(mapper, body);
    }

    @Override
    public String toString() {
      return "ApplicationCredential[id="
          + id
          + ", name="
          + name
          + ", username="
          + username
          + ", secret=***]";
    }
  }

  private static byte[] write(ObjectMapper mapper, ObjectNode body) {
    try {
      return mapper.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the login body", e);
    }
  }
}
