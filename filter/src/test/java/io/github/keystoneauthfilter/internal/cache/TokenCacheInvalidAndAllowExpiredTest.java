package io.github.keystoneauthfilter.internal.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import io.github.keystoneauthfilter.testing.Identities;
import io.github.keystoneauthfilter.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The cache of invalid answers, and {@code allow_expired} as part of the key. */
class TokenCacheInvalidAndAllowExpiredTest {
  private static final Instant START = Instant.parse("2026-11-28T12:00:00Z");
  private final MutableClock clock = new MutableClock(START);
  private final List<AuthToken> asked = new ArrayList<>();

  private TokenValidator delegate(Function<AuthToken, TokenValidation> answer) {
    return token -> {
      asked.add(token);
      return answer.apply(token);
    };
  }

  private static TokenValidation.Valid validUntil(Instant expiresAt) {
    return new TokenValidation.Valid(
        Identities.user("u").name("user").project("p", "project").expiresAt(expiresAt).build());
  }

  private TokenCache cache(TokenValidator delegate, Duration invalidTtl, long invalidMax) {
    return new TokenCache(delegate, Duration.ofSeconds(300), 1000, invalidTtl, invalidMax, clock);
  }

  @Test
  void validateWhenInvalidTwiceWithinInvalidTtlThenDelegateAskedOnce() {
    TokenCache cache =
        cache(delegate(t -> new TokenValidation.Invalid("404")), Duration.ofSeconds(5), 100);

    cache.validate(AuthToken.of("bad"));
    cache.validate(AuthToken.of("bad"));

    assertEquals(1, asked.size());
  }

  @Test
  void validateWhenInvalidTtlPassedThenDelegateAskedAgain() {
    TokenCache cache =
        cache(delegate(t -> new TokenValidation.Invalid("404")), Duration.ofSeconds(5), 100);

    cache.validate(AuthToken.of("bad"));
    clock.advance(Duration.ofSeconds(6));
    cache.validate(AuthToken.of("bad"));

    assertEquals(2, asked.size());
  }

  @Test
  void validateWhenManyRandomInvalidTokensThenValidIdentitiesStayCached() {
    Instant expiry = START.plus(Duration.ofHours(1));
    TokenCache cache =
        cache(
            delegate(
                t ->
                    t.value().startsWith("good")
                        ? validUntil(expiry)
                        : new TokenValidation.Invalid("404")),
            Duration.ofSeconds(5),
            10);
    cache.validate(AuthToken.of("good-1"));

    for (int i = 0; i < 2_000; i++) {
      cache.validate(AuthToken.of("random-" + i));
    }
    asked.clear();
    cache.validate(AuthToken.of("good-1"));

    assertEquals(0, asked.size(), "a flood of invalid tokens evicted a valid identity");
  }

  @Test
  void validateWhenInvalidWithoutAllowExpiredThenAllowExpiredLookupStillAsks() {
    Instant expired = START.minusSeconds(60);
    TokenCache cache =
        cache(
            delegate(
                t -> t.allowExpired() ? validUntil(expired) : new TokenValidation.Invalid("404")),
            Duration.ofSeconds(5),
            100);

    assertInstanceOf(TokenValidation.Invalid.class, cache.validate(AuthToken.of("t")));
    TokenValidation withService = cache.validate(AuthToken.of("t").allowingExpired());

    assertInstanceOf(TokenValidation.Valid.class, withService);
    assertEquals(2, asked.size());
    assertEquals(true, asked.get(1).allowExpired());
  }

  @Test
  void validateWhenAllowExpiredAndTokenExpiredThenValidAndCachedForTheTtl() {
    Instant expired = START.minusSeconds(60);
    TokenCache cache = cache(delegate(t -> validUntil(expired)), Duration.ZERO, 1);

    AuthToken token = AuthToken.of("t").allowingExpired();
    assertInstanceOf(TokenValidation.Valid.class, cache.validate(token));
    assertInstanceOf(TokenValidation.Valid.class, cache.validate(token));
    assertEquals(1, asked.size());

    // The TTL (300 s) holds although the token expired before it was asked about: still cached
    // just before the TTL, asked again just after it.
    clock.advance(Duration.ofSeconds(299));
    assertInstanceOf(TokenValidation.Valid.class, cache.validate(token));
    assertEquals(1, asked.size(), "dropped before the TTL");
    clock.advance(Duration.ofSeconds(2));
    assertInstanceOf(TokenValidation.Valid.class, cache.validate(token));
    assertEquals(2, asked.size(), "kept past the TTL");

    assertInstanceOf(TokenValidation.Invalid.class, cache.validate(AuthToken.of("t")));
  }
}
