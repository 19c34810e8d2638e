package io.github.keystoneauthfilter.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The option table of docs/configuration.md and the code's option list ({@link
 * InitParameters#optionNames()}) name the same options, and every default the table states as a
 * value is the default the code applies.
 */
@Timeout(60)
class OptionTableTest {
  private static final Path TABLE_FILE = Path.of("..", "docs", "configuration.md");
  private static final Path DOCS = Path.of("..", "docs");
  private static final String TABLE_HEADER = "| option | default | meaning |";
  private static final Pattern NAME = Pattern.compile("`([a-z0-9_]+)`");

  /**
   * Accepted by the code, deliberately not rows of the table (each is mentioned elsewhere in
   * docs/).
   */
  private static final Set<String> NOT_IN_TABLE =
      Set.of(
          "memcache_servers", // the old name, named in memcached_servers' row
          "memcache_tls_enabled", // only =false is accepted; named under "Not supported"
          "memcache_sasl_enabled");

  private static final Set<String> SECRETS =
      Set.of("password", "applicationCredentialSecret", "memcacheSecretKey");

  private static final Map<String, String> REQUIRED =
      Map.of(
          "auth_url", "http://127.0.0.1:5000/v3",
          "username", "svc",
          "password", "pw",
          "project_name", "service");

  /** One row of the table: its option names and its default cell. */
  private record Row(List<String> names, String defaultCell) {}

  private static List<Row> rows() throws IOException {
    List<String> lines = Files.readAllLines(TABLE_FILE, StandardCharsets.UTF_8);
    int header = lines.indexOf(TABLE_HEADER);
    assertTrue(header >= 0, TABLE_FILE + " has no line " + TABLE_HEADER);
    List<Row> rows = new ArrayList<>();
    for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      String[] cells = lines.get(i).split("\\|", -1);
      List<String> names = new ArrayList<>();
      Matcher m = NAME.matcher(cells[1]);
      while (m.find()) {
        names.add(m.group(1));
      }
      assertFalse(names.isEmpty(), "option row without an option name: " + lines.get(i));
      rows.add(new Row(names, cells[2].strip()));
    }
    return rows;
  }

  @Test
  void tableNamesExactlyTheCodesOptions() throws IOException {
    Set<String> documented = new TreeSet<>();
    for (Row row : rows()) {
      for (String name : row.names()) {
        assertTrue(documented.add(name), "the option table names " + name + " twice");
      }
    }
    Set<String> code = new TreeSet<>(InitParameters.optionNames());
    assertTrue(code.containsAll(NOT_IN_TABLE), "NOT_IN_TABLE names an option the code lacks");
    code.removeAll(NOT_IN_TABLE);
    Set<String> onlyTable = new TreeSet<>(documented);
    onlyTable.removeAll(code);
    Set<String> onlyCode = new TreeSet<>(code);
    onlyCode.removeAll(documented);
    assertEquals(Set.of(), onlyTable, "options in the table that the code does not know");
    assertEquals(Set.of(), onlyCode, "options the code accepts that the table lacks");
    StringBuilder docs = new StringBuilder();
    try (Stream<Path> files = Files.list(DOCS)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".md")).sorted().toList()) {
        docs.append(Files.readString(file, StandardCharsets.UTF_8));
      }
    }
    for (String name : NOT_IN_TABLE) {
      assertTrue(docs.toString().contains("`" + name), name + " is not mentioned in docs/ at all");
    }
  }

  /**
   * For each row whose default is one value ({@code `300`}, {@code `Default`}, {@code `None`}),
   * setting the option to that value builds the same configuration as leaving it unset.
   */
  @Test
  void tableDefaultsAreTheCodesDefaults() throws Exception {
    Map<String, Object> unset = readable(KeystoneAuthConfig.fromOptions(REQUIRED).build());
    Map<String, String> checked = new TreeMap<>();
    for (Row row : rows()) {
      Matcher value = Pattern.compile("`([^`]+)`").matcher(row.defaultCell());
      if (!value.matches()) {
        continue; // "required", "unset", "first `auth_url`", …: not one value
      }
      for (String name : row.names()) {
        Map<String, String> options = new HashMap<>(REQUIRED);
        options.put(name, value.group(1));
        Map<String, Object> set = readable(KeystoneAuthConfig.fromOptions(options).build());
        List<String> changed =
            unset.keySet().stream().filter(k -> !Objects.equals(unset.get(k), set.get(k))).toList();
        assertEquals(
            List.of(),
            changed,
            name + "=" + value.group(1) + " (the table's default) changes these accessors");
        checked.put(name, value.group(1));
      }
    }
    // a guard against a parser that silently checks nothing
    assertTrue(checked.size() >= 25, "only these defaults were checked: " + checked);
  }

  /** Every public no-argument accessor of the config, by name. */
  private static Map<String, Object> readable(KeystoneAuthConfig config)
      throws IllegalAccessException, InvocationTargetException {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Method method : KeystoneAuthConfig.class.getMethods()) {
      if (method.getParameterCount() == 0
          && !Modifier.isStatic(method.getModifiers())
          && method.getDeclaringClass() == KeystoneAuthConfig.class) {
        Object value = method.invoke(config);
        // secrets have no default; compare only whether they are set, never print them
        values.put(
            method.getName(),
            SECRETS.contains(method.getName()) ? Boolean.valueOf(value != null) : value);
      }
    }
    return new TreeMap<>(values);
  }
}
