/**
 * The Spring Boot sample: the filter registered once with a {@code FilterRegistrationBean} from
 * {@code keystone.*} properties, in front of a {@code @RestController}.
 */
@NullMarked
package io.github.keystoneauthfilter.samples.springboot;

import org.jspecify.annotations.NullMarked;
