package io.github.keystoneauthfilter.internal.headers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Lookups in any case, names in their given order. */
class HeaderTableTest {
  private static HeaderTable table() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-Identity-Status", "Confirmed");
    headers.put("X-User-Id", "u1");
    headers.put("X-Roles", "member,reader");
    headers.put("OpenStack-System-Scope", "all");
    return HeaderTable.of(headers);
  }

  @Test
  void getWhenAnyLetterCaseThenFindsTheValue() {
    HeaderTable table = table();

    assertEquals("u1", table.get("x-user-id"));
    assertEquals("u1", table.get("X-USER-ID"));
    assertEquals("all", table.get("openstack-system-scope"));
    assertTrue(table.contains("x-roles"));
  }

  @Test
  void getWhenAbsentThenNull() {
    HeaderTable table = table();

    assertNull(table.get("X-Project-Id"));
    assertFalse(table.contains("X-Project-Id"));
    assertNull(HeaderTable.EMPTY.get("X-User-Id"));
  }

  @Test
  void namesWhenListedThenCanonicalSpellingInGivenOrder() {
    assertEquals(
        List.of("X-Identity-Status", "X-User-Id", "X-Roles", "OpenStack-System-Scope"),
        table().names());
  }

  @Test
  void ofWhenSameNamesThenNameArraysSharedAndValuesOwn() {
    // Every cached identity's table has the same header names: only the values are its own.
    Map<String, String> other = new LinkedHashMap<>();
    other.put("X-Identity-Status", "Confirmed");
    other.put("X-User-Id", "u2");
    other.put("X-Roles", "reader");
    other.put("OpenStack-System-Scope", "all");
    HeaderTable first = table();
    HeaderTable second = HeaderTable.of(other);

    assertTrue(first.sharesNamesWith(second));
    assertEquals("u1", first.get("X-User-Id"));
    assertEquals("u2", second.get("x-user-id"));
    assertEquals("reader", second.get("X-ROLES"));
    assertEquals(first.names(), second.names());
  }

  @Test
  void ofWhenOtherNamesOrOrderThenNotShared() {
    Map<String, String> reordered = new LinkedHashMap<>();
    reordered.put("X-User-Id", "u1");
    reordered.put("X-Identity-Status", "Confirmed");
    reordered.put("X-Roles", "member,reader");
    reordered.put("OpenStack-System-Scope", "all");

    assertFalse(table().sharesNamesWith(HeaderTable.of(reordered)));
    assertEquals(
        List.of("X-User-Id", "X-Identity-Status", "X-Roles", "OpenStack-System-Scope"),
        HeaderTable.of(reordered).names());
  }
}
