/**
 * Test fixtures: a fake Keystone v3 over real HTTP, Keystone token bodies, and a settable clock.
 */
@NullMarked
package io.github.keystoneauthfilter.testing;

import org.jspecify.annotations.NullMarked;
