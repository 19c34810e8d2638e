package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log scan that runs after the integration tests can fail: planted secrets are caught. */
class SecretsScanTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;

  /** A Fernet-shaped token: "gAAAAAB" and URL-safe base64, like Keystone's. */
  private static String token() {
    byte[] bytes = new byte[130];
    RANDOM.nextBytes(bytes);
    return "gAAAAAB" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private Path log(String name, String text) throws Exception {
    Path file = dir.resolve("logs").resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void scanWhenTokenInLogThenFoundWithLineAndNeverPrinted() throws Exception {
    String first = token();
    String second = token();
    Path file = log("it-0.log", "FINE: start\nFINE: X-Subject-Token: " + second + "\nFINE: end\n");

    List<SecretsScan.Finding> findings =
        new SecretsScan(List.of(first, second), Map.of()).scan(List.of(dir.resolve("logs")));

    assertEquals(1, findings.size(), findings.toString());
    assertEquals(file, findings.get(0).file());
    assertEquals(2, findings.get(0).line());
    assertTrue(findings.get(0).what().contains("#2"), findings.get(0).what());
    assertFalse(findings.toString().contains(second.substring(0, SecretsScan.PREFIX)));
  }

  @Test
  void scanWhenOnlyFirst16CharactersLoggedThenFound() throws Exception {
    String token = token();
    log("it-0.log", "token " + token.substring(0, 16) + "… refused\n");

    List<SecretsScan.Finding> findings =
        new SecretsScan(List.of(token), Map.of()).scan(List.of(dir.resolve("logs")));

    assertEquals(1, findings.size(), findings.toString());
    assertTrue(findings.get(0).what().startsWith("the first 16 characters"));
  }

  @Test
  void scanWhenPasswordInReportOutputThenFound() throws Exception {
    log("FooIT-output.txt", "{\"password\": \"svc-pass\"}");

    List<SecretsScan.Finding> findings =
        new SecretsScan(List.of(token()), Map.of("KEYSTONE_SVC_PASSWORD", "svc-pass"))
            .scan(List.of(dir.resolve("logs")));

    assertEquals(1, findings.size(), findings.toString());
    assertEquals("KEYSTONE_SVC_PASSWORD", findings.get(0).what());
  }

  @Test
  void scanWhenTokenStraddlesChunkBorderThenFoundOnItsLine() throws Exception {
    String token = token();
    StringBuilder text = new StringBuilder();
    while (text.length() < (1 << 20) - 50) {
      text.append("FINE: nothing to see here, just a long log line of the filter at work\n");
    }
    long lines = text.chars().filter(c -> c == '\n').count();
    text.append(token).append('\n');
    log("big.log", text.toString());

    List<SecretsScan.Finding> findings =
        new SecretsScan(List.of(token), Map.of()).scan(List.of(dir.resolve("logs")));

    assertEquals(1, findings.size(), findings.toString());
    assertEquals(lines + 1, findings.get(0).line());
  }

  @Test
  void scanWhenLogsCleanThenNothingFound() throws Exception {
    log("it-0.log", "FINE: token 3f2a9c1b refused: Keystone does not know the token (404)\n");

    assertEquals(
        List.of(),
        new SecretsScan(List.of(token(), token()), Map.of("KEYSTONE_SVC_PASSWORD", "svc-pass"))
            .scan(List.of(dir.resolve("logs"), dir.resolve("missing"))));
  }

  @Test
  void mainWhenSecretLoggedThenThrowsNamingFileNotSecret() throws Exception {
    String token = token();
    Files.writeString(dir.resolve("summary.xml"), "<failsafe-summary/>");
    Files.writeString(dir.resolve("secrets.txt"), token + "\n");
    Files.writeString(dir.resolve("keystone.env"), "KEYSTONE_SVC_PASSWORD=svc-pass\n");
    log("it-0.log", "FINE: " + token + "\n");

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> SecretsScan.main(args()));

    assertTrue(e.getMessage().contains("it-0.log:1: recorded secret #1"), e.getMessage());
    assertFalse(e.getMessage().contains(token.substring(0, SecretsScan.PREFIX)));
  }

  @Test
  void mainWhenNothingRecordedThenThrowsRatherThanProvingNothing() throws Exception {
    Files.writeString(dir.resolve("summary.xml"), "<failsafe-summary/>");
    Files.writeString(dir.resolve("keystone.env"), "KEYSTONE_SVC_PASSWORD=svc-pass\n");
    log("it-0.log", "FINE: clean\n");

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> SecretsScan.main(args()));

    assertTrue(e.getMessage().contains("recorded no token"), e.getMessage());
  }

  @Test
  void mainWhenNoLogWrittenThenThrows() throws Exception {
    Files.writeString(dir.resolve("summary.xml"), "<failsafe-summary/>");
    Files.writeString(dir.resolve("secrets.txt"), token() + "\n");
    Files.writeString(dir.resolve("keystone.env"), "KEYSTONE_SVC_PASSWORD=svc-pass\n");

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> SecretsScan.main(args()));

    assertTrue(e.getMessage().contains("no *.log written"), e.getMessage());
  }

  @Test
  void mainWhenIntegrationTestsSkippedThenDoesNothing() throws Exception {
    SecretsScan.main(args()); // no summary file, nothing recorded: no exception
  }

  private String[] args() {
    return new String[] {
      dir.resolve("summary.xml").toString(),
      dir.resolve("secrets.txt").toString(),
      dir.toString(),
      dir.resolve("logs").toString()
    };
  }
}
