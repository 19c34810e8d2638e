/** Logging helpers shared by the stages. Not API: everything here may change without notice. */
@NullMarked
package io.github.keystoneauthfilter.internal.log;

import org.jspecify.annotations.NullMarked;
