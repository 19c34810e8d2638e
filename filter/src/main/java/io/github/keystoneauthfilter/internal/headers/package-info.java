/**
 * The identity headers of a decided request as a table built once per identity. Not API: everything
 * here may change without notice; the header names are in {@link
 * io.github.keystoneauthfilter.IdentityHeaders}.
 */
@NullMarked
package io.github.keystoneauthfilter.internal.headers;

import org.jspecify.annotations.NullMarked;
