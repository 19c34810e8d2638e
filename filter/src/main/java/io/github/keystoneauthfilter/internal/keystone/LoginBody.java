package io.github.keystoneauthfilter.internal.keystone;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.keystoneauthfilter.config.Credentials;
import java.io.IOException;

/**
 * The JSON body of {@code POST /v3/auth/tokens} for the filter's own login, as keystoneauth's
 * {@code password} plugin (project-scoped) or {@code v3applicationcredential} sends it.
 */
final class LoginBody {
  private LoginBody() {}

  /** The body that logs in with these credentials; it holds the secret: never log it. */
  static byte[] of(Credentials credentials, ObjectMapper mapper) {
    ObjectNode body = mapper.createObjectNode();
    ObjectNode auth = body.putObject("auth");
    ObjectNode identity = auth.putObject("identity");
    if (credentials instanceof Credentials.Password p) {
      identity.putArray("methods").add("password");
      ObjectNode user = identity.putObject("password").putObject("user");
      user.put("name", p.username());
      user.putObject("domain").put("name", p.userDomainName());
      user.put("password", p.password());
      ObjectNode project = auth.putObject("scope").putObject("project");
      project.put("name", p.projectName());
      project.putObject("domain").put("name", p.projectDomainName());
    } else {
      Credentials.ApplicationCredential a = (Credentials.ApplicationCredential) credentials;
      identity.putArray("methods").add("application_credential");
      ObjectNode credential = identity.putObject("application_credential");
      String id = a.id();
      if (id != null) {
        credential.put("id", id);
      } else {
        credential.put("name", a.name());
        ObjectNode user = credential.putObject("user");
        user.put("name", a.username());
        user.putObject("domain").put("name", a.userDomainName());
      }
      credential.put("secret", a.secret());
    }
    try {
      return mapper.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the login body", e);
    }
  }
}
