/** A keystonemiddleware-style servlet filter with ordered multi-site Keystone failover. */
@NullMarked
package io.github.keystoneauthfilter;

import org.jspecify.annotations.NullMarked;
