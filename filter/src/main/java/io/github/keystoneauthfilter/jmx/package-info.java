/**
 * The JMX views of the filter's metrics, registered with the {@code metrics_jmx_name} option. The
 * interfaces are public only because JMX requires it: read the attributes through JMX; in code, use
 * {@link io.github.keystoneauthfilter.KeystoneAuthFilter#metrics()}.
 */
@NullMarked
package io.github.keystoneauthfilter.jmx;

import org.jspecify.annotations.NullMarked;
