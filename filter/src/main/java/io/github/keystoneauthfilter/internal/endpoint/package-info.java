/**
 * Ordered failover across Keystone endpoints, with a circuit breaker per endpoint. Not API:
 * everything here may change without notice; read endpoint states through {@link
 * io.github.keystoneauthfilter.KeystoneAuthFilter#endpointStatuses()}.
 */
@NullMarked
package io.github.keystoneauthfilter.internal.endpoint;

import org.jspecify.annotations.NullMarked;
