package io.github.keystoneauthfilter.samples.springboot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The sample: web, security, actuator and the Keystone starter. No Keystone Java code: the filter,
 * its registration, the Spring Security chain and {@code @PreAuthorize} all come from the starter
 * and {@code keystone.auth.*} in {@code application.properties}.
 */
@SpringBootApplication
public class KeystoneSampleApplication {
  public static void main(String[] args) {
    SpringApplication.run(KeystoneSampleApplication.class, args);
  }
}
