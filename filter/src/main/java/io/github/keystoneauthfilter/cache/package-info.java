/**
 * The token cache: a {@link io.github.keystoneauthfilter.token.TokenValidator} decorator on
 * Caffeine. Not API: everything here may change without notice.
 */
@NullMarked
package io.github.keystoneauthfilter.cache;

import org.jspecify.annotations.NullMarked;
