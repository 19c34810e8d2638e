/**
 * Rules about requests that need no servlet: canonical raw URIs, {@code excluded_paths} and
 * application-credential access rules. Not API: everything here may change without notice.
 */
@NullMarked
package io.github.keystoneauthfilter.internal.request;

import org.jspecify.annotations.NullMarked;
