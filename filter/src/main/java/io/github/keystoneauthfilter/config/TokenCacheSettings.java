package io.github.keystoneauthfilter.config;

import java.time.Duration;

/**
 * The in-process caches of Keystone's answers.
 *
 * @param time {@code token_cache_time}: the longest a valid identity is kept; zero: no cache
 * @param maxEntries {@code token_cache_max_entries}
 * @param invalidTime {@code invalid_token_cache_time}: how long an invalid answer is kept; zero:
 *     none
 * @param invalidMaxEntries {@code invalid_token_cache_max_entries}
 */
public record TokenCacheSettings(
    Duration time, long maxEntries, Duration invalidTime, long invalidMaxEntries) {}
