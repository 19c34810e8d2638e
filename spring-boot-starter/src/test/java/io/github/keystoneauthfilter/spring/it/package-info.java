/** Integration tests of the starter against real Keystone, for each Boot version. */
@NullMarked
package io.github.keystoneauthfilter.spring.it;

import org.jspecify.annotations.NullMarked;
