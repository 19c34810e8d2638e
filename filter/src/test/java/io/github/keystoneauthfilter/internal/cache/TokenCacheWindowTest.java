package io.github.keystoneauthfilter.internal.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.internal.token.AuthToken;
import io.github.keystoneauthfilter.internal.token.TokenValidation;
import io.github.keystoneauthfilter.internal.token.TokenValidator;
import io.github.keystoneauthfilter.testing.Identities;
import io.github.keystoneauthfilter.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The in-process cache keeps an answer no longer than the answer's own {@code usableUntil}. */
class TokenCacheWindowTest {
  private static final Instant START = Instant.parse("2026-11-28T12:00:00Z");
  private static final AuthToken TOKEN = AuthToken.of("gAAAAABin-process-window");

  private final MutableClock clock = new MutableClock(START);
  private final AtomicInteger calls = new AtomicInteger();

  private TokenValidator answering(@Nullable Instant usableUntil) {
    Identity identity =
        Identities.user("u-1")
            .adminProject(false)
            .expiresAt(START.plus(Duration.ofHours(1)))
            .build();
    return token -> {
      calls.incrementAndGet();
      return new TokenValidation.Valid(identity, usableUntil);
    };
  }

  @ParameterizedTest(name = "allow_expired={0}")
  @ValueSource(booleans = {false, true})
  void anAnswerWithUsableUntil_isKeptUntilThen_notForTheWholeTtl(boolean allowExpired) {
    AuthToken token = allowExpired ? TOKEN.allowingExpired() : TOKEN;
    TokenCache cache =
        new TokenCache(answering(START.plusSeconds(40)), Duration.ofSeconds(300), 100, clock);

    assertInstanceOf(TokenValidation.Valid.class, cache.validate(token));
    clock.set(START.plusSeconds(39));
    cache.validate(token);
    assertEquals(1, calls.get(), "kept until usableUntil");

    clock.set(START.plusSeconds(40));
    cache.validate(token);
    assertEquals(2, calls.get(), "asked again at usableUntil");
  }

  @ParameterizedTest(name = "allow_expired={0}")
  @ValueSource(booleans = {false, true})
  void anAnswerWithoutUsableUntil_isKeptTheTtlFromTheAnswer(boolean allowExpired) {
    AuthToken token = allowExpired ? TOKEN.allowingExpired() : TOKEN;
    TokenCache cache = new TokenCache(answering(null), Duration.ofSeconds(300), 100, clock);

    cache.validate(token);
    clock.set(START.plusSeconds(299));
    cache.validate(token);
    assertEquals(1, calls.get());
    clock.set(START.plusSeconds(300));
    cache.validate(token);
    assertEquals(2, calls.get());
  }
}
