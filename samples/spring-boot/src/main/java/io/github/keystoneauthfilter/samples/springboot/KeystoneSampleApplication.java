package io.github.keystoneauthfilter.samples.springboot;

import io.github.keystoneauthfilter.KeystoneAuthFilter;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.filter.OrderedFilter;
import org.springframework.context.annotation.Bean;

/**
 * Registers the Keystone filter exactly once, on every path and for every dispatcher type, with
 * {@code keystone.excluded-paths} (here {@code /public/*}) let through without a token.
 *
 * <p>The filter is created inside the {@link FilterRegistrationBean} and is not a bean of its own:
 * Spring Boot registers every {@code Filter} bean with the servlet container by itself (on {@code
 * /*}), so a filter bean next to a registration bean holding another instance would be registered
 * twice (see README.md).
 *
 * <p>Why {@code /*} and not {@code /api/*}: the container matches URL patterns against the path it
 * has decoded and normalised, while Spring MVC routes the raw URI, so {@code GET /api/..;/x} is
 * {@code /x} to the container (a {@code /api/*} filter would not run) but under {@code /api/**} to
 * Spring. On {@code /*} the filter sees every request and refuses such URIs any exemption.
 */
@SpringBootApplication
@EnableConfigurationProperties(KeystoneProperties.class)
public class KeystoneSampleApplication {
  /**
   * The filter wraps the request, so it orders at most {@link
   * OrderedFilter#REQUEST_WRAPPER_FILTER_MAX_ORDER}: here before Boot's {@code
   * RequestContextFilter} (-105) and Spring Security's filter chain (-100), so both see the
   * identity headers, and after Boot's character-encoding and form-content filters.
   */
  static final int KEYSTONE_FILTER_ORDER = OrderedFilter.REQUEST_WRAPPER_FILTER_MAX_ORDER - 110;

  public static void main(String[] args) {
    SpringApplication.run(KeystoneSampleApplication.class, args);
  }

  @Bean
  FilterRegistrationBean<KeystoneAuthFilter> keystoneAuthFilter(KeystoneProperties properties) {
    FilterRegistrationBean<KeystoneAuthFilter> registration =
        new FilterRegistrationBean<>(new KeystoneAuthFilter(properties.toConfig()));
    registration.setName("keystone-auth");
    registration.addUrlPatterns("/*");
    // Error pages, forwards, includes and async dispatches are passes of the request too.
    registration.setDispatcherTypes(EnumSet.allOf(DispatcherType.class));
    registration.setOrder(KEYSTONE_FILTER_ORDER);
    return registration;
  }
}
