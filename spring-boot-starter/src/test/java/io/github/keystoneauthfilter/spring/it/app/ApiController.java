package io.github.keystoneauthfilter.spring.it.app;

import io.github.keystoneauthfilter.spring.KeystonePrincipal;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** Methods guarded by Keystone roles, and what the caller looks like to the application. */
@RestController
public class ApiController {
  @GetMapping("/api/member")
  @PreAuthorize("hasRole('member')")
  public String member(@AuthenticationPrincipal KeystonePrincipal caller) {
    return "member " + caller.getName();
  }

  @PostMapping("/api/member")
  @PreAuthorize("hasRole('member')")
  public String memberPost(@AuthenticationPrincipal KeystonePrincipal caller) {
    return "posted by " + caller.getName();
  }

  @GetMapping("/api/admin")
  @PreAuthorize("hasRole('admin')")
  public String admin(@AuthenticationPrincipal KeystonePrincipal caller) {
    return "admin " + caller.getName();
  }

  /** The caller as Spring Security and the headers show it. */
  @GetMapping("/api/me")
  public String me(
      @AuthenticationPrincipal @Nullable KeystonePrincipal caller, HttpServletRequest request) {
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (caller == null) {
      return "anonymous";
    }
    return "name="
        + caller.getName()
        + " project="
        + caller.projectName()
        + " roles="
        + String.join(",", caller.roles())
        + " authorities="
        + String.join(
            ",",
            authentication.getAuthorities().stream().map(GrantedAuthority::getAuthority).toList())
        + " service="
        + (caller.service() == null ? "none" : caller.service().userName())
        + " X-Roles="
        + request.getHeader("X-Roles");
  }

  /** Excluded by the filter (no token needed). */
  @GetMapping("/public/hello")
  public String open(@AuthenticationPrincipal @Nullable KeystonePrincipal caller) {
    return "public " + (caller == null ? "anonymous" : caller.getName());
  }
}
