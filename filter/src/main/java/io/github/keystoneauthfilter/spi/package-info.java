/**
 * Service provider interfaces: how an optional module plugs a backend into the filter. Public and
 * stable like the rest of the API (docs/api.md); applications do not call them.
 *
 * <p>{@link io.github.keystoneauthfilter.spi.SharedCacheStoreProvider}: a shared token cache other
 * than memcached (the {@code keystone-auth-redis} module provides Redis/Valkey for {@code
 * redis_url}), found with {@link java.util.ServiceLoader}.
 */
@NullMarked
package io.github.keystoneauthfilter.spi;

import org.jspecify.annotations.NullMarked;
