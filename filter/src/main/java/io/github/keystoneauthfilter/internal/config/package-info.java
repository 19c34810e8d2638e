/**
 * Option parsing: keystonemiddleware's option names (init-params, a properties file, {@code
 * ${NAME}} from the environment) into a {@link io.github.keystoneauthfilter.KeystoneAuthConfig}
 * builder. Not API: everything here may change without notice; use {@link
 * io.github.keystoneauthfilter.KeystoneAuthConfig#fromOptions}.
 */
@NullMarked
package io.github.keystoneauthfilter.internal.config;

import org.jspecify.annotations.NullMarked;
