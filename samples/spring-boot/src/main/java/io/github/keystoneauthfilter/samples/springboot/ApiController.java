package io.github.keystoneauthfilter.samples.springboot;

import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/hello} greets the caller; {@code GET /api/admin} answers 403 unless the caller
 * has the role {@code sample.admin-role}; any other {@code GET /api/**} names the caller. All read
 * the {@link Identity} the filter validated.
 */
@RestController
@RequestMapping("/api")
public class ApiController {
  private final String adminRole;

  public ApiController(@Value("${sample.admin-role:admin}") String adminRole) {
    this.adminRole = adminRole;
  }

  @GetMapping("/hello")
  public ResponseEntity<String> hello(
      @RequestAttribute(name = KeystoneAuthFilter.IDENTITY_ATTRIBUTE, required = false)
          @Nullable Identity identity) {
    if (identity == null) {
      return unauthorized();
    }
    return ResponseEntity.ok(
        "hello, "
            + identity.userName()
            + " of "
            + identity.projectName()
            + ", roles "
            + String.join(",", identity.roles())
            + "\n");
  }

  @GetMapping("/admin")
  public ResponseEntity<String> admin(
      @RequestAttribute(name = KeystoneAuthFilter.IDENTITY_ATTRIBUTE, required = false)
          @Nullable Identity identity) {
    if (identity == null) {
      return unauthorized();
    }
    if (!identity.roles().contains(adminRole)) {
      return ResponseEntity.status(HttpStatus.FORBIDDEN)
          .body("the role " + adminRole + " is required\n");
    }
    return ResponseEntity.ok(
        "welcome, " + identity.userName() + ": you have the role " + adminRole + "\n");
  }

  /**
   * Any other {@code GET /api/**}: who the caller is. It trusts the filter to let no request
   * without a valid token reach {@code /api/**}; Spring matches it against the raw request URI (so
   * {@code /api/..;/public/x} lands here), which is why the filter grants no exemption to such
   * URIs.
   */
  @GetMapping("/**")
  public ResponseEntity<String> any(
      @RequestAttribute(name = KeystoneAuthFilter.IDENTITY_ATTRIBUTE, required = false)
          @Nullable Identity identity) {
    return ResponseEntity.ok(
        "api, for " + (identity == null ? "nobody" : identity.userName()) + "\n");
  }

  /** Only with delay_auth_decision=true, when the filter leaves the answer to the app. */
  private static ResponseEntity<String> unauthorized() {
    return ResponseEntity.status(HttpStatus.UNAUTHORIZED)
        .body("a valid X-Auth-Token is required\n");
  }
}
