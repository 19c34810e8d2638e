/**
 * The servlet adapter's pieces: the request wrapper that hides forged identity headers and serves
 * verified ones, and the response wrapper that adds the Keystone challenge to 401s. The only
 * package besides {@link io.github.keystoneauthfilter.KeystoneAuthFilter} that uses the servlet
 * API. Not API: everything here may change without notice.
 */
@NullMarked
package io.github.keystoneauthfilter.internal.servlet;

import org.jspecify.annotations.NullMarked;
