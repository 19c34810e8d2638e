/** Tests of the web.xml sample: a unit test and an integration test against real Keystone. */
@NullMarked
package io.github.keystoneauthfilter.samples.webxml;

import org.jspecify.annotations.NullMarked;
