package io.github.keystoneauthfilter.internal.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChallengingResponseTest {
  private static final String CHALLENGE = "Keystone uri=\"http://127.0.0.1:5000\"";

  /** A container response that keeps the WWW-Authenticate values it is given. */
  private static HttpServletResponse container(List<String> challenges) {
    HttpServletResponse response = mock(HttpServletResponse.class);
    doAnswer(
            invocation -> {
              if ("WWW-Authenticate".equalsIgnoreCase(invocation.getArgument(0))) {
                challenges.add(invocation.getArgument(1));
              }
              return null;
            })
        .when(response)
        .addHeader(anyString(), anyString());
    when(response.getHeaders("WWW-Authenticate")).thenAnswer(invocation -> List.copyOf(challenges));
    return response;
  }

  @Test
  void sendErrorWhen401ThenTheChallengeIsAddedOnce() throws Exception {
    List<String> challenges = new ArrayList<>();

    new ChallengingResponse(container(challenges), CHALLENGE).sendError(401);

    assertEquals(List.of(CHALLENGE), challenges);
  }

  @Test
  void sendErrorWhenWrappedTwiceAroundAnAppWrapperThenStillOneChallenge() throws Exception {
    List<String> challenges = new ArrayList<>();
    // A second pass of the request wraps again over the application's own wrapper.
    HttpServletResponse twice =
        new ChallengingResponse(
            new HttpServletResponseWrapper(
                new ChallengingResponse(container(challenges), CHALLENGE)),
            CHALLENGE);

    twice.sendError(401);
    twice.setStatus(401);

    assertEquals(List.of(CHALLENGE), challenges);
  }

  @Test
  void setStatusWhenNot401ThenNoChallenge() {
    List<String> challenges = new ArrayList<>();

    new ChallengingResponse(container(challenges), CHALLENGE).setStatus(403);

    assertEquals(List.of(), challenges);
  }
}
