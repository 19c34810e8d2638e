/**
 * Tokens and what Keystone says about them: the {@link io.github.keystoneauthfilter.token.Identity}
 * a valid token stands for, the cacheable {@link
 * io.github.keystoneauthfilter.token.TokenValidation} outcomes, and the one-method {@link
 * io.github.keystoneauthfilter.token.TokenValidator} seam that the cache and the endpoint pool
 * implement.
 */
@NullMarked
package io.github.keystoneauthfilter.token;

import org.jspecify.annotations.NullMarked;
