package io.github.keystoneauthfilter.spring.it.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The app of the docs' "new app" section: web, security, actuator and the starter, configured by
 * properties only, with {@link ApiController}'s {@code @PreAuthorize} methods. No Keystone Java
 * configuration.
 */
@SpringBootApplication
public class StarterTestApp {
  public static void main(String[] args) {
    SpringApplication.run(StarterTestApp.class, args);
  }
}
