/**
 * Tokens as the stages see them: the hashed {@link
 * io.github.keystoneauthfilter.internal.token.AuthToken}, the cacheable {@link
 * io.github.keystoneauthfilter.internal.token.TokenValidation} outcomes, and the one-method {@link
 * io.github.keystoneauthfilter.internal.token.TokenValidator} seam that the cache, the bulkhead and
 * the endpoint pool implement. Not API: everything here may change without notice.
 */
@NullMarked
package io.github.keystoneauthfilter.internal.token;

import org.jspecify.annotations.NullMarked;
