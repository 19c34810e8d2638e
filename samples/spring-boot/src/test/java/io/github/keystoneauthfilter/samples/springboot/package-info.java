/** Tests of the Spring Boot sample: an integration test against real Keystone. */
@NullMarked
package io.github.keystoneauthfilter.samples.springboot;

import org.jspecify.annotations.NullMarked;
