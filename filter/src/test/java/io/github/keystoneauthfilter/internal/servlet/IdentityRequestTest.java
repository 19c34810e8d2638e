package io.github.keystoneauthfilter.internal.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.IdentityHeaders;
import io.github.keystoneauthfilter.testing.Identities;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdentityRequestTest {
  private static final Identity ALICE =
      Identities.user("real-user")
          .name("alice")
          .userDomain("ud-1", "Default")
          .project("real-project", "demo", "pd-1", "Default")
          .roles("member")
          .adminProject(false)
          .expiresAt(Instant.parse("2026-11-28T13:14:15Z"))
          .build();

  /** A client request carrying these (name, value) pairs, names matched in any case. */
  private static HttpServletRequest clientRequest(List<Map.Entry<String, String>> sent) {
    HttpServletRequest request = mock(HttpServletRequest.class);
    when(request.getHeader(anyString()))
        .thenAnswer(
            invocation -> {
              List<String> values = valuesOf(sent, invocation.getArgument(0));
              return values.isEmpty() ? null : values.get(0);
            });
    when(request.getHeaders(anyString()))
        .thenAnswer(
            invocation -> Collections.enumeration(valuesOf(sent, invocation.getArgument(0))));
    when(request.getHeaderNames())
        .thenAnswer(
            invocation -> {
              Set<String> names = new LinkedHashSet<>();
              sent.forEach(entry -> names.add(entry.getKey()));
              return Collections.enumeration(names);
            });
    when(request.getIntHeader(anyString()))
        .thenAnswer(
            invocation -> {
              List<String> values = valuesOf(sent, invocation.getArgument(0));
              return values.isEmpty() ? -1 : Integer.parseInt(values.get(0));
            });
    when(request.getDateHeader(anyString()))
        .thenAnswer(
            invocation -> {
              List<String> values = valuesOf(sent, invocation.getArgument(0));
              return values.isEmpty() ? -1L : Long.parseLong(values.get(0));
            });
    return request;
  }

  private static List<String> valuesOf(List<Map.Entry<String, String>> sent, String name) {
    List<String> values = new ArrayList<>();
    for (Map.Entry<String, String> entry : sent) {
      if (entry.getKey().equalsIgnoreCase(name)) {
        values.add(entry.getValue());
      }
    }
    return values;
  }

  private static List<Map.Entry<String, String>> forgedRequest() {
    return List.of(
        Map.entry("x-uSeR-iD", "forged-1"),
        Map.entry("X-USER-ID", "forged-2"),
        Map.entry("X-Roles", "admin"),
        Map.entry("x-roles", "admin,root"),
        Map.entry("openstack-system-scope", "all"),
        Map.entry("X-Service-Roles", "service"),
        Map.entry("X-Identity-Status", "Confirmed"),
        Map.entry("X-Auth-Token", "gAAAA-user-token"),
        Map.entry("Accept", "application/json"));
  }

  private static Set<String> lowerNames(IdentityRequest request) {
    Set<String> names = new LinkedHashSet<>();
    for (String name : Collections.list(request.getHeaderNames())) {
      names.add(name.toLowerCase(Locale.ROOT));
    }
    return names;
  }

  @Test
  void getHeaderWhenForgedTwiceInOddCaseAndInvalidThenHidden() {
    IdentityRequest request =
        new IdentityRequest(clientRequest(forgedRequest()), IdentityHeaders.invalid());

    for (String name :
        List.of("X-User-Id", "x-user-id", "X-USER-ID", "X-Roles", "OpenStack-System-Scope")) {
      assertNull(request.getHeader(name), name);
      assertFalse(request.getHeaders(name).hasMoreElements(), name);
    }
    assertNull(request.getHeader("X-Service-Roles"));
    assertEquals("Invalid", request.getHeader("x-identity-status"));
  }

  @Test
  void getHeadersWhenForgedTwiceAndConfirmedThenOnlyVerifiedValue() {
    IdentityRequest request =
        new IdentityRequest(clientRequest(forgedRequest()), IdentityHeaders.confirmed(ALICE));

    assertEquals("real-user", request.getHeader("x-user-id"));
    assertEquals(List.of("real-user"), Collections.list(request.getHeaders("X-USER-ID")));
    assertEquals(List.of("member"), Collections.list(request.getHeaders("x-roles")));
    assertEquals(List.of("Confirmed"), Collections.list(request.getHeaders("X-Identity-Status")));
    assertNull(request.getHeader("OpenStack-System-Scope"));
  }

  @Test
  void getHeaderNamesWhenForgedThenOnlyVerifiedAndUnrelatedNamesOnce() {
    IdentityRequest request =
        new IdentityRequest(clientRequest(forgedRequest()), IdentityHeaders.invalid());

    List<String> names = Collections.list(request.getHeaderNames());

    assertEquals(List.of("X-Auth-Token", "Accept", "X-Identity-Status"), names);
  }

  @Test
  void getHeaderNamesWhenConfirmedThenEachIdentityNameOnceInCanonicalSpelling() {
    IdentityRequest request =
        new IdentityRequest(clientRequest(forgedRequest()), IdentityHeaders.confirmed(ALICE));

    List<String> names = Collections.list(request.getHeaderNames());

    assertEquals(names.size(), lowerNames(request).size(), names.toString());
    assertTrue(names.contains("X-User-Id"), names.toString());
    assertFalse(names.contains("x-uSeR-iD"), names.toString());
    assertFalse(names.contains("X-USER-ID"), names.toString());
    assertFalse(lowerNames(request).contains("openstack-system-scope"), names.toString());
    assertFalse(lowerNames(request).contains("x-service-roles"), names.toString());
  }

  @Test
  void getHeaderWhenIdentityHeaderSpelledWithUnderscoresThenHiddenEverywhere() {
    List<Map.Entry<String, String>> sent =
        List.of(
            Map.entry("X_Roles", "admin"),
            Map.entry("x_user_id", "forged"),
            Map.entry("X_IDENTITY_STATUS", "Confirmed"),
            Map.entry("X-Service_Roles", "service"),
            Map.entry("OpenStack_System_Scope", "all"),
            Map.entry("X_Custom_Header", "kept"));
    IdentityRequest request = new IdentityRequest(clientRequest(sent), IdentityHeaders.invalid());

    for (Map.Entry<String, String> forged : sent.subList(0, 5)) {
      assertNull(request.getHeader(forged.getKey()), forged.getKey());
      assertFalse(request.getHeaders(forged.getKey()).hasMoreElements(), forged.getKey());
      assertEquals(-1, request.getIntHeader(forged.getKey()), forged.getKey());
    }
    assertEquals(
        List.of("X_Custom_Header", "X-Identity-Status"),
        Collections.list(request.getHeaderNames()));
    assertEquals("kept", request.getHeader("X_Custom_Header"));
    assertEquals("Invalid", request.getHeader("X-Identity-Status"));
  }

  @Test
  void getHeaderWhenAuthTokenOrUnrelatedThenPassedThrough() {
    IdentityRequest request =
        new IdentityRequest(clientRequest(forgedRequest()), IdentityHeaders.confirmed(ALICE));

    assertEquals("gAAAA-user-token", request.getHeader("X-Auth-Token"));
    assertEquals(List.of("application/json"), Collections.list(request.getHeaders("accept")));
  }

  /**
   * The names are gathered without a set: a name the container lists twice still comes once, and
   * more names than the first buffer holds all come, in order.
   */
  @Test
  @SuppressWarnings("JdkObsolete") // the servlet API's Enumeration
  void getHeaderNamesWhenManyNamesAndExactRepeatsThenEachOnceInOrder() {
    List<String> listed = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      listed.add("X-Custom-" + i);
      if (i % 7 == 0) {
        listed.add("x_roles"); // stripped wherever it comes
        listed.add("X-Custom-" + i); // a repeat in the same spelling
      }
    }
    HttpServletRequest underlying = mock(HttpServletRequest.class);
    when(underlying.getHeaderNames()).thenAnswer(invocation -> Collections.enumeration(listed));
    IdentityRequest request = new IdentityRequest(underlying, IdentityHeaders.invalid());

    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      expected.add("X-Custom-" + i);
    }
    expected.add("X-Identity-Status");
    Enumeration<String> names = request.getHeaderNames();
    assertEquals(expected, Collections.list(names));
    assertFalse(names.hasMoreElements());
    assertThrows(NoSuchElementException.class, names::nextElement);
  }

  @Test
  @SuppressWarnings("JdkObsolete") // the servlet API's Enumeration
  void getHeadersWhenInjectedThenOneValueThenExhausted() {
    IdentityRequest request =
        new IdentityRequest(clientRequest(forgedRequest()), IdentityHeaders.confirmed(ALICE));

    Enumeration<String> values = request.getHeaders("x-user-id");
    assertTrue(values.hasMoreElements());
    assertEquals(ALICE.userId(), values.nextElement());
    assertFalse(values.hasMoreElements());
    assertThrows(NoSuchElementException.class, values::nextElement);
  }

  @Test
  void getHeaderNamesWhenUnderlyingReturnsNullThenOnlyInjected() {
    HttpServletRequest underlying = mock(HttpServletRequest.class);
    when(underlying.getHeaderNames()).thenReturn(null);
    IdentityRequest request = new IdentityRequest(underlying, IdentityHeaders.invalid());

    assertEquals(List.of("X-Identity-Status"), Collections.list(request.getHeaderNames()));
  }

  @Test
  void getIntHeaderWhenForgedIdentityHeaderThenMinusOne() {
    IdentityRequest request =
        new IdentityRequest(
            clientRequest(List.of(Map.entry("X-User-Id", "42"), Map.entry("X-Project-Id", "7"))),
            IdentityHeaders.invalid());

    assertEquals(-1, request.getIntHeader("X-User-Id"));
    assertEquals(-1, request.getIntHeader("x-project-id"));
  }

  @Test
  void getIntHeaderWhenUnrelatedHeaderThenUnderlyingValue() {
    IdentityRequest request =
        new IdentityRequest(
            clientRequest(List.of(Map.entry("Max-Forwards", "10"))), IdentityHeaders.invalid());

    assertEquals(10, request.getIntHeader("Max-Forwards"));
  }

  @Test
  void getDateHeaderWhenForgedIdentityHeaderThenMinusOne() {
    IdentityRequest request =
        new IdentityRequest(
            clientRequest(List.of(Map.entry("X-User-Id", "1700000000000"))),
            IdentityHeaders.invalid());

    assertEquals(-1L, request.getDateHeader("x-user-id"));
  }

  @Test
  void getDateHeaderWhenInjectedIdentityHeaderThenNotADate() {
    IdentityRequest request =
        new IdentityRequest(clientRequest(List.of()), IdentityHeaders.confirmed(ALICE));

    assertThrows(IllegalArgumentException.class, () -> request.getDateHeader("X-User-Id"));
  }

  @Test
  void getDateHeaderWhenUnrelatedHeaderThenUnderlyingValue() {
    IdentityRequest request =
        new IdentityRequest(
            clientRequest(List.of(Map.entry("If-Modified-Since", "1700000000000"))),
            IdentityHeaders.invalid());

    assertEquals(1_700_000_000_000L, request.getDateHeader("If-Modified-Since"));
  }
}
