package io.github.keystoneauthfilter.samples.springboot;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /public/**}: no token needed ({@code keystone.excluded-paths=/public/*}). */
@RestController
public class PublicController {
  @GetMapping("/public/**")
  public ResponseEntity<String> open() {
    return ResponseEntity.ok("public\n");
  }
}
