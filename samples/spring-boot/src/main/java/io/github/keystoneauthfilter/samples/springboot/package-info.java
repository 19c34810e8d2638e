/**
 * The Spring Boot sample: the Keystone starter configured by {@code keystone.auth.*} properties, in
 * front of a {@code @RestController} with {@code @PreAuthorize} methods.
 */
@NullMarked
package io.github.keystoneauthfilter.samples.springboot;

import org.jspecify.annotations.NullMarked;
