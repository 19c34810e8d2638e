package io.github.keystoneauthfilter.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

/**
 * After the integration tests: looks for every secret they used in every file they left, and fails
 * the build if one is found. Run by Maven in {@code post-integration-test} (exec-maven-plugin, see
 * {@code src-test-webapp/pom.xml}).
 *
 * <p>Secrets: each token and application-credential secret the tests recorded ({@link
 * io.github.keystoneauthfilter.testing.KeystoneEnv#SECRETS_FILE_PROPERTY}), the first {@value
 * #PREFIX} characters of each token (a truncated token in a log line is a leak too), and every
 * {@code *_PASSWORD} of the Keystone instances' {@code keystone.env} (the service password above
 * all). A finding names the file, the line and which secret it was, never the secret itself.
 */
public final class SecretsScan {
  static final int PREFIX = 16;
  private static final int CHUNK = 1 << 20;

  /** One secret found in one file. */
  record Finding(Path file, long line, String what) {
    @Override
    public String toString() {
      return file + ":" + line + ": " + what;
    }
  }

  private static final int HEAD = 6;

  private final Map<String, String> needles = new LinkedHashMap<>();
  private final Map<String, String> shortNeedles = new LinkedHashMap<>();
  private final Set<String> heads = new HashSet<>();
  private final Map<String, List<String>> byPrefix = new HashMap<>();
  private final int longest;

  /**
   * @param tokens recorded secrets: each is looked for whole and by its first {@value #PREFIX}
   *     characters
   * @param passwords named passwords (name to value), looked for whole
   */
  SecretsScan(List<String> tokens, Map<String, String> passwords) {
    Map<String, String> all = new LinkedHashMap<>();
    for (int i = 0; i < tokens.size(); i++) {
      String token = tokens.get(i).strip();
      if (token.isEmpty()) {
        continue;
      }
      all.putIfAbsent(token, "recorded secret #" + (i + 1));
      if (token.length() > PREFIX) {
        all.putIfAbsent(
            token.substring(0, PREFIX),
            "the first " + PREFIX + " characters of recorded secret #" + (i + 1));
      }
    }
    passwords.forEach((name, value) -> all.putIfAbsent(value, name));
    needles.putAll(all);
    for (String needle : all.keySet()) {
      if (needle.length() >= PREFIX) {
        heads.add(needle.substring(0, HEAD));
        byPrefix.computeIfAbsent(needle.substring(0, PREFIX), k -> new ArrayList<>()).add(needle);
      } else {
        shortNeedles.put(needle, all.get(needle));
      }
    }
    this.longest = all.keySet().stream().mapToInt(String::length).max().orElse(1);
  }

  int secrets() {
    return needles.size();
  }

  /** Every finding in the regular files under {@code roots} (missing roots are skipped). */
  List<Finding> scan(List<Path> roots) throws IOException {
    List<Finding> findings = new ArrayList<>();
    for (Path root : roots) {
      if (!Files.exists(root)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(root)) {
        for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
          findings.addAll(scanFile(file));
        }
      }
    }
    return findings;
  }

  /**
   * One file, in chunks that overlap by the longest secret, so a secret across a chunk border is
   * found; bytes are read as ISO-8859-1 so any encoding's ASCII survives.
   */
  List<Finding> scanFile(Path file) throws IOException {
    Map<String, Finding> found = new HashMap<>();
    try (InputStream in = Files.newInputStream(file);
        Reader reader = new InputStreamReader(in, StandardCharsets.ISO_8859_1)) {
      char[] buffer = new char[CHUNK + longest];
      int kept = 0; // characters carried over from the previous chunk
      long linesBefore = 0; // newlines before buffer[0]
      while (true) {
        int read = reader.read(buffer, kept, CHUNK);
        if (read < 0) {
          break;
        }
        int length = kept + read;
        String text = new String(buffer, 0, length);
        for (Map.Entry<String, String> needle : shortNeedles.entrySet()) {
          note(found, file, text, linesBefore, text.indexOf(needle.getKey()), needle.getValue());
        }
        // Long secrets (tokens) share few distinct heads (every Fernet token starts gAAAAA):
        // find the heads, then look the 16 characters there up.
        for (String head : heads) {
          for (int at = text.indexOf(head); at >= 0; at = text.indexOf(head, at + 1)) {
            if (at + PREFIX > length) {
              break;
            }
            for (String needle :
                byPrefix.getOrDefault(text.substring(at, at + PREFIX), List.of())) {
              if (text.startsWith(needle, at)) {
                note(found, file, text, linesBefore, at, needles.get(needle));
              }
            }
          }
        }
        int keep = Math.min(longest - 1, length);
        linesBefore += newlines(text, 0, length - keep);
        System.arraycopy(buffer, length - keep, buffer, 0, keep);
        kept = keep;
      }
    }
    // A whole token is its prefix too: report the token once.
    found
        .keySet()
        .removeIf(
            what ->
                found.containsKey(what.replaceFirst("^the first \\d+ characters of ", ""))
                    && what.startsWith("the first "));
    return List.copyOf(found.values());
  }

  private static void note(
      Map<String, Finding> found, Path file, String text, long linesBefore, int at, String what) {
    if (at >= 0 && !found.containsKey(what)) {
      found.put(what, new Finding(file, linesBefore + newlines(text, 0, at) + 1, what));
    }
  }

  private static long newlines(String text, int from, int to) {
    long count = 0;
    for (int i = from; i < to; i++) {
      if (text.charAt(i) == '\n') {
        count++;
      }
    }
    return count;
  }

  /**
   * {@code SecretsScan SUMMARY_FILE SECRETS_FILE KEYSTONE_STATE_DIR DIR...}: does nothing when the
   * integration tests did not run (no failsafe summary); otherwise scans the DIRs and throws,
   * naming each finding, if a secret is found, or if nothing was recorded or logged (the scan would
   * prove nothing).
   */
  public static void main(String[] args) throws IOException {
    if (args.length < 4) {
      throw new IllegalArgumentException(
          "usage: SecretsScan SUMMARY_FILE SECRETS_FILE KEYSTONE_STATE_DIR DIR...");
    }
    Path summary = Path.of(args[0]);
    Path recorded = Path.of(args[1]);
    Path stateDir = Path.of(args[2]);
    List<Path> roots = new ArrayList<>();
    for (int i = 3; i < args.length; i++) {
      roots.add(Path.of(args[i]));
    }
    if (!Files.isRegularFile(summary)) {
      System.out.println("secrets scan: integration tests did not run (" + summary + "); skipped");
      return;
    }
    List<String> tokens =
        Files.isRegularFile(recorded)
            ? Files.readAllLines(recorded, StandardCharsets.UTF_8)
            : List.of();
    if (tokens.stream().allMatch(String::isBlank)) {
      throw new IllegalStateException(
          "secrets scan: the integration tests recorded no token in "
              + recorded
              + "; the scan would prove nothing");
    }
    long logBytes = 0;
    for (Path root : roots) {
      if (Files.isDirectory(root)) {
        try (Stream<Path> files = Files.walk(root)) {
          logBytes +=
              files
                  .filter(f -> f.getFileName().toString().endsWith(".log"))
                  .mapToLong(f -> f.toFile().length())
                  .sum();
        }
      }
    }
    if (logBytes == 0) {
      throw new IllegalStateException(
          "secrets scan: no *.log written under " + roots + "; was the logging config applied?");
    }
    SecretsScan scan = new SecretsScan(tokens, passwords(stateDir));
    List<Finding> findings = scan.scan(roots);
    if (!findings.isEmpty()) {
      StringBuilder message =
          new StringBuilder("secrets scan: secrets found in the integration tests' output:");
      findings.forEach(f -> message.append("\n  ").append(f));
      throw new IllegalStateException(message.toString());
    }
    System.out.println(
        "secrets scan: "
            + tokens.size()
            + " recorded secrets (with prefixes and passwords: "
            + scan.secrets()
            + " strings) not found in "
            + logBytes
            + " bytes of logs under "
            + roots);
  }

  /** Every {@code KEYSTONE_*_PASSWORD} of keystone.env, by name. */
  private static Map<String, String> passwords(Path stateDir) throws IOException {
    Properties env = new Properties();
    try (InputStream in = Files.newInputStream(stateDir.resolve("keystone.env"))) {
      env.load(in);
    }
    Map<String, String> passwords = new LinkedHashMap<>();
    for (String name : env.stringPropertyNames()) {
      if (name.endsWith("_PASSWORD") && !env.getProperty(name).isEmpty()) {
        passwords.put(name, env.getProperty(name));
      }
    }
    if (!passwords.containsKey("KEYSTONE_SVC_PASSWORD")) {
      throw new IllegalStateException("keystone.env has no KEYSTONE_SVC_PASSWORD");
    }
    return passwords;
  }
}
