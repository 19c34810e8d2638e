/**
 * Talking to one Keystone endpoint: service login, token validation and v3 JSON parsing. Not API:
 * everything here may change without notice.
 */
@NullMarked
package io.github.keystoneauthfilter.internal.keystone;

import org.jspecify.annotations.NullMarked;
