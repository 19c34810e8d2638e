package io.github.keystoneauthfilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.github.keystoneauthfilter.testing.FakeKeystone;
import io.github.keystoneauthfilter.testing.KeystoneTokenFixture;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link KeystoneAuthFilter#isExcluded}: only the filter's own exclusion decision counts. */
class ExcludedDecisionTest {
  private final FakeKeystone site =
      FakeKeystone.start().addServiceUser("svc", "svc-pass", "service");
  private FilterHarness harness;

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
    site.close();
  }

  /** Answers whether the filter in front of it says the request was excluded. */
  private static final class Reporter extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient KeystoneAuthFilter filter;

    Reporter(KeystoneAuthFilter filter) {
      this.filter = filter;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      response.getWriter().write("excluded=" + filter.isExcluded(request));
    }
  }

  private FilterHarness start(boolean delay) throws Exception {
    KeystoneAuthFilter filter =
        new KeystoneAuthFilter(
            KeystoneAuthConfig.builder()
                .authUrl(site.uri().toString())
                .username("svc")
                .password("svc-pass")
                .projectName("service")
                .excludedPaths(List.of("/public/*"))
                .delayAuthDecision(delay)
                .build());
    harness = FilterHarness.start(filter, new Reporter(filter));
    return harness;
  }

  @Test
  void isExcludedWhenPathExcludedThenTrueElseFalse() throws Exception {
    String token = site.issue(KeystoneTokenFixture.create());
    FilterHarness app = start(false);

    assertEquals("excluded=true", app.body("/public/x"));
    assertEquals("excluded=false", app.body("/api/x", "X-Auth-Token", token));
    assertEquals(401, app.get("/api/x"), "not excluded, no token: the filter answers");
  }

  @Test
  void isExcludedWhenDelayedAndNoTokenThenFalseAndHeadersCannotFakeIt() throws Exception {
    FilterHarness app = start(true);

    assertEquals("excluded=false", app.body("/api/x"));
    assertEquals("excluded=false", app.body("/api/x", "X-Identity-Status", "Excluded"));
    assertEquals("excluded=true", app.body("/public/x", "X-Identity-Status", "Invalid"));
  }

  @Test
  void isExcludedWhenRequestNeverFilteredThenFalse() {
    KeystoneAuthFilter filter = new KeystoneAuthFilter();
    assertFalse(filter.isExcluded(org.mockito.Mockito.mock(HttpServletRequest.class)));
  }
}
