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
}
