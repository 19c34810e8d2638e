package io.github.keystoneauthfilter.spring;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.KeystoneAuthFilter;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

/**
 * The Keystone filter's one registration: named {@code keystone-auth}, on {@code /*}, for every
 * dispatcher type (REQUEST, FORWARD, INCLUDE, ERROR, ASYNC: see the README's "Mapping the filter"),
 * async-supported, ordered {@value #ORDER} (after Boot's character-encoding and form-content
 * filters, before its {@code RequestContextFilter} at -105 and Spring Security's chain at -100, so
 * both see the identity). The filter is not a bean of its own, so Boot does not register it a
 * second time. Declare a bean of this type to replace the starter's.
 */
public class KeystoneAuthFilterRegistration extends FilterRegistrationBean<KeystoneAuthFilter> {
  /** The filter's order among servlet filters. */
  public static final int ORDER = -110;

  /** The registration's (and the filter's) name in the servlet container. */
  public static final String NAME = "keystone-auth";

  /** A registration of a new filter with this configuration. */
  public KeystoneAuthFilterRegistration(KeystoneAuthConfig config) {
    super(new KeystoneAuthFilter(config));
    setName(NAME);
    addUrlPatterns("/*");
    setDispatcherTypes(EnumSet.allOf(DispatcherType.class));
    setAsyncSupported(true);
    setOrder(ORDER);
  }

  /** The registered filter. */
  public KeystoneAuthFilter filter() {
    return getFilter();
  }
}
