package io.github.keystoneauthfilter.internal.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CanonicalPathTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "/",
        "/public/x",
        "/public/",
        "/a/b/c.html",
        "/a/.hidden",
        "/a/..b",
        "/a/b..",
        "/a/.../b",
        "/a%20b/%41",
        "/caf%C3%A9",
        "/v3/auth/tokens",
        "/a-b_c~d"
      })
  void problemWhenCanonicalThenNull(String uri) {
    assertNull(CanonicalPath.problem(uri), uri);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"/api/secret/../../public/x", "/api/..", "/..", "/.", "/a/./b", "/a/.", "/a/../"})
  void problemWhenDotSegmentThenNamed(String uri) {
    assertEquals("it has a dot segment (. or ..)", CanonicalPath.problem(uri), uri);
  }

  @ParameterizedTest
  @ValueSource(strings = {"//", "//public/x", "/public//x", "/a///b"})
  void problemWhenEmptySegmentThenNamed(String uri) {
    assertEquals("it has an empty segment (//)", CanonicalPath.problem(uri), uri);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/api/..;/public/x", "/app;jsessionid=1", "/a;/b", "/;"})
  void problemWhenPathParameterThenNamed(String uri) {
    assertEquals("it has a ; (path parameter)", CanonicalPath.problem(uri), uri);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/public/..%2Fapi",
        "/public/..%2fapi",
        "/%2e%2e/x",
        "/%2E/x",
        "/a%25/b",
        "/a%255C",
        "/a%5Cb",
        "/a%5cb"
      })
  void problemWhenEncodedSlashDotPercentOrBackslashThenNamed(String uri) {
    assertEquals(
        "it has an encoded / . % or \\ (%2F, %2E, %25 or %5C)", CanonicalPath.problem(uri), uri);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/a%", "/a%4", "/a%zz", "/a%4g", "/a%\u0661\u0662"})
  void problemWhenPercentWithoutTwoHexDigitsThenNamed(String uri) {
    assertEquals(
        "it has a % that is not followed by two hex digits", CanonicalPath.problem(uri), uri);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/public\\..\\api", "\\a", "/a\\"})
  void problemWhenBackslashThenNamed(String uri) {
    assertNotNull(CanonicalPath.problem(uri), uri);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "*", "public/x", "http://h/x"})
  void problemWhenNotStartingWithSlashThenNamed(String uri) {
    assertEquals("it does not start with /", CanonicalPath.problem(uri), uri);
  }
}
