/**
 * Spring Boot auto-configuration for the Keystone filter: {@code keystone.auth.*} properties
 * ({@link io.github.keystoneauthfilter.spring.KeystoneAuthProperties}), the filter registered once
 * for every dispatcher type, Keystone identities as Spring Security {@code Authentication}s ({@link
 * io.github.keystoneauthfilter.spring.KeystoneAuthentication}), a {@code keystone} health
 * contributor and the filter's Micrometer meters. Uses only the filter's public API.
 */
@NullMarked
package io.github.keystoneauthfilter.spring;

import org.jspecify.annotations.NullMarked;
