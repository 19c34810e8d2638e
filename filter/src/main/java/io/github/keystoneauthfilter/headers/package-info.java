/**
 * Identity header names, the list stripped from every inbound request, the mapping from an {@link
 * io.github.keystoneauthfilter.token.Identity} to header values, and the request wrapper that
 * serves them.
 */
@NullMarked
package io.github.keystoneauthfilter.headers;

import org.jspecify.annotations.NullMarked;
