/**
 * The token cache: a {@link io.github.keystoneauthfilter.internal.token.TokenValidator} decorator
 * on Caffeine. Not API: everything here may change without notice.
 */
@NullMarked
package io.github.keystoneauthfilter.internal.cache;

import org.jspecify.annotations.NullMarked;
