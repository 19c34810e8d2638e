/**
 * The shared token cache on Redis or Valkey through Lettuce: {@link
 * io.github.keystoneauthfilter.redis.RedisStoreProvider}, found by the filter when {@code
 * redis_url} is set. Nothing here is called by applications; see docs/redis.md.
 */
@NullMarked
package io.github.keystoneauthfilter.redis;

import org.jspecify.annotations.NullMarked;
