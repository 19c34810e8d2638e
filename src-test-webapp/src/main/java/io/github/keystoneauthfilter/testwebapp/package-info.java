/** The runnable echo webapp used by integration tests, the demo and the benchmarks. */
@NullMarked
package io.github.keystoneauthfilter.testwebapp;

import org.jspecify.annotations.NullMarked;
