package io.github.keystoneauthfilter.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The fenced code blocks of the project's documentation, for the tests that compile or parse them
 * (the filter's DocumentationTest, the starter's SpringDocumentationTest). Paths resolve from a
 * module directory: the repository is its parent.
 */
public final class MarkdownBlocks {
  /** The repository's root, seen from a module's directory (where Maven runs its tests). */
  public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  private static final Pattern FENCE = Pattern.compile("^ {0,3}```\\s*([^`]*)$");

  private MarkdownBlocks() {}

  /**
   * One fenced code block: where it starts (the line after the fence), its info string (lower
   * case), its text.
   */
  public record Block(Path file, int firstLine, String info, String body) {
    /** {@code file:line}, relative to the repository. */
    public String where() {
      return ROOT.relativize(file) + ":" + firstLine;
    }
  }

  /** Files whose code blocks are checked: README, CONTRIBUTING, CHANGELOG and docs/*.md. */
  public static List<Path> documentation() throws IOException {
    List<Path> files = new ArrayList<>();
    files.add(ROOT.resolve("README.md"));
    files.add(ROOT.resolve("CONTRIBUTING.md"));
    files.add(ROOT.resolve("CHANGELOG.md"));
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(f -> f.toString().endsWith(".md")).sorted().forEach(files::add);
    }
    return files;
  }

  /** The fenced blocks of {@code file}; a block never closed fails the test. */
  public static List<Block> blocks(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher open = FENCE.matcher(lines.get(i));
      if (!open.matches()) {
        continue;
      }
      int start = i + 1;
      int end = start;
      while (end < lines.size() && !lines.get(end).strip().equals("```")) {
        end++;
      }
      assertTrue(end < lines.size(), file + ":" + (i + 1) + ": code block never closed");
      String info = open.group(1).strip().toLowerCase(Locale.ROOT);
      blocks.add(new Block(file, start + 1, info, String.join("\n", lines.subList(start, end))));
      i = end;
    }
    return blocks;
  }

  /** The blocks of the whole documentation whose info string is exactly {@code info}. */
  public static List<Block> blocks(String info) throws IOException {
    List<Block> all = new ArrayList<>();
    for (Path file : documentation()) {
      for (Block block : blocks(file)) {
        if (block.info().equals(info)) {
          all.add(block);
        }
      }
    }
    return all;
  }
}
