/**
 * Test fixtures: a fake Keystone v3 over real HTTP, Keystone token bodies, a settable clock, and a
 * builder of {@code Identity} values by name ({@link Identities}).
 */
@NullMarked
package io.github.keystoneauthfilter.testing;

import org.jspecify.annotations.NullMarked;
