/**
 * Benchmarks of the filter (JMH), the heap cost of a cached identity, the single-flight check and
 * the small HTTP clients {@code scripts/bench.sh} drives the running webapps with. See {@code
 * docs/benchmarks.md}.
 */
@NullMarked
package io.github.keystoneauthfilter.benchmarks;

import org.jspecify.annotations.NullMarked;
