/**
 * The groups of settings a built {@link io.github.keystoneauthfilter.KeystoneAuthConfig} is made
 * of: {@link io.github.keystoneauthfilter.config.Credentials}, {@link
 * io.github.keystoneauthfilter.config.TlsSettings}, {@link
 * io.github.keystoneauthfilter.config.FailoverSettings}, {@link
 * io.github.keystoneauthfilter.config.TokenCacheSettings} and {@link
 * io.github.keystoneauthfilter.config.SharedCacheSettings}. Each is valid once built: what an
 * option combination requires is carried by the type, not by a nullable field.
 */
@NullMarked
package io.github.keystoneauthfilter.config;

import org.jspecify.annotations.NullMarked;
