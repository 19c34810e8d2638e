/**
 * The public API of the keystone auth filter: the servlet {@link
 * io.github.keystoneauthfilter.KeystoneAuthFilter}, its {@link
 * io.github.keystoneauthfilter.KeystoneAuthConfig}, the {@link
 * io.github.keystoneauthfilter.Identity} a valid token stands for, the {@link
 * io.github.keystoneauthfilter.IdentityHeaders} names, and, for use without servlets, the {@link
 * io.github.keystoneauthfilter.KeystoneTokenValidator} with its {@link
 * io.github.keystoneauthfilter.ValidationOutcome}. Metrics are in {@link
 * io.github.keystoneauthfilter.metrics}. Everything under {@code
 * io.github.keystoneauthfilter.internal} is not API and may change without notice.
 */
@NullMarked
package io.github.keystoneauthfilter;

import org.jspecify.annotations.NullMarked;
