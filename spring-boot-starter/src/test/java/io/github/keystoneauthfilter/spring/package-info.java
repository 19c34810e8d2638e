/**
 * Tests of the starter, shared by Boot 3.5 (this module) and Boot 4.0 (spring-boot-starter-boot4-
 * tests, which compiles these very sources): unit tests and integration tests against real
 * Keystone.
 */
@NullMarked
package io.github.keystoneauthfilter.spring;

import org.jspecify.annotations.NullMarked;
