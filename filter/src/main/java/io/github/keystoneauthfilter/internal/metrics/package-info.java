/**
 * The live counters behind the metrics and their JMX registration. Not API: everything here may
 * change without notice; read the figures through {@link io.github.keystoneauthfilter.metrics}.
 */
@NullMarked
package io.github.keystoneauthfilter.internal.metrics;

import org.jspecify.annotations.NullMarked;
