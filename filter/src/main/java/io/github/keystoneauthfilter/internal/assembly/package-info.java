/**
 * The wiring: {@link io.github.keystoneauthfilter.internal.assembly.Assembly} builds the stages a
 * token meets, outer first, into one immutable {@link
 * io.github.keystoneauthfilter.internal.assembly.Stages}. Not API: everything here may change
 * without notice.
 */
@NullMarked
package io.github.keystoneauthfilter.internal.assembly;

import org.jspecify.annotations.NullMarked;
