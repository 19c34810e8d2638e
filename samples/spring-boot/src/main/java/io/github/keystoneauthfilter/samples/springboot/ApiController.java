package io.github.keystoneauthfilter.samples.springboot;

import io.github.keystoneauthfilter.spring.KeystonePrincipal;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/hello} greets a caller with the Keystone role {@code member}; {@code GET
 * /api/admin} needs the role {@code admin} (else 403); any other {@code GET /api/**} names the
 * caller. The caller is the {@link KeystonePrincipal} the starter made from the identity Keystone
 * confirmed.
 */
@RestController
@RequestMapping("/api")
public class ApiController {
  @GetMapping("/hello")
  @PreAuthorize("hasRole('member')")
  public String hello(@AuthenticationPrincipal KeystonePrincipal caller) {
    return "hello, "
        + caller.getName()
        + " of "
        + caller.projectName()
        + ", roles "
        + String.join(",", caller.roles())
        + "\n";
  }

  @GetMapping("/admin")
  @PreAuthorize("hasRole('admin')")
  public String admin(@AuthenticationPrincipal KeystonePrincipal caller) {
    return "welcome, " + caller.getName() + ": you have the role admin\n";
  }

  /**
   * Any other {@code GET /api/**}: who the caller is. Spring MVC matches it against the raw request
   * URI (so {@code /api/..;/public/x} lands here), which is why the filter grants no exemption to
   * such URIs: without a token they get the filter's 401.
   */
  @GetMapping("/**")
  public String any(@AuthenticationPrincipal KeystonePrincipal caller) {
    return "api, for " + caller.getName() + "\n";
  }
}
