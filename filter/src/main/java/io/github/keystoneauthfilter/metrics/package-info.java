/**
 * The filter's metrics as a user sees them: the read-only {@link
 * io.github.keystoneauthfilter.metrics.MetricsSnapshot}, the {@link
 * io.github.keystoneauthfilter.metrics.KeystoneAuthMeterBinder} for Micrometer, the endpoint view
 * {@link io.github.keystoneauthfilter.metrics.EndpointStatus}, and the JMX interfaces registered
 * with the {@code metrics_jmx_name} option (public because JMX requires it).
 */
@NullMarked
package io.github.keystoneauthfilter.metrics;

import org.jspecify.annotations.NullMarked;
