package io.github.keystoneauthfilter;

import static io.github.keystoneauthfilter.testing.MarkdownBlocks.ROOT;
import static io.github.keystoneauthfilter.testing.MarkdownBlocks.blocks;
import static io.github.keystoneauthfilter.testing.MarkdownBlocks.documentation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.internal.config.InitParameters;
import io.github.keystoneauthfilter.testing.MarkdownBlocks.Block;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The documentation cannot drift from the code unnoticed: every {@code java} block of the README,
 * CONTRIBUTING.md and docs/*.md compiles against the filter; every {@code xml} block is well-formed
 * XML, and the init-params of those that configure the filter are options it knows, as are the keys
 * of every {@code properties} block; every relative link of those files (and of the other READMEs)
 * names a file that exists, and every {@code #anchor} a heading of its target.
 *
 * <p>A Java block may be a compilation unit (it starts with {@code package} or {@code import}),
 * class members (it starts with an annotation, a modifier or a method declaration) or statements.
 * Members and statements are compiled inside a class that imports the API packages, {@code
 * jakarta.servlet(.http)}, {@code java.util}, {@code java.time} and a few Micrometer and Spring
 * types, and that offers the fields {@code config}, {@code filter}, {@code userToken}, {@code
 * serviceToken}, {@code servletContext}, {@code request} and {@code registry}. Spring is not on
 * this module's class path: {@code @Bean} and {@code FilterRegistrationBean} are compiled against
 * the stubs below, which declare the members of Spring Boot 3's classes the documentation uses.
 */
@Timeout(120)
class DocumentationTest {
  /** Files whose links are checked: the documentation and the other READMEs. */
  private static List<Path> linkedFiles() throws IOException {
    List<Path> files = new ArrayList<>(documentation());
    for (String more :
        List.of(
            "scripts/README.md",
            "samples/README.md",
            "samples/webxml/README.md",
            "samples/spring-boot/README.md")) {
      files.add(ROOT.resolve(more));
    }
    return files;
  }

  // ---------------------------------------------------------------- Java

  private static final String IMPORTS =
      """
      import io.github.keystoneauthfilter.*;
      import io.github.keystoneauthfilter.config.*;
      import io.github.keystoneauthfilter.metrics.*;
      import io.micrometer.core.instrument.MeterRegistry;
      import io.micrometer.core.instrument.Tags;
      import io.micrometer.core.instrument.binder.MeterBinder;
      import jakarta.servlet.*;
      import jakarta.servlet.http.*;
      import java.time.*;
      import java.util.*;
      import org.springframework.boot.web.servlet.FilterRegistrationBean;
      import org.springframework.context.annotation.Bean;
      """;

  private static final String FIELDS =
      """
        KeystoneAuthConfig config;
        KeystoneAuthFilter filter;
        String userToken;
        String serviceToken;
        ServletContext servletContext;
        HttpServletRequest request;
        MeterRegistry registry;
      """;

  /** The members of Spring Boot 3's types that the documentation may use. */
  private static final Map<String, String> SPRING_STUBS =
      Map.of(
          "org/springframework/context/annotation/Bean",
          """
          package org.springframework.context.annotation;
          public @interface Bean {}
          """,
          "org/springframework/boot/web/servlet/FilterRegistrationBean",
          """
          package org.springframework.boot.web.servlet;
          import jakarta.servlet.DispatcherType;
          import java.util.Collection;
          import java.util.EnumSet;
          public class FilterRegistrationBean<T extends jakarta.servlet.Filter> {
            public FilterRegistrationBean() {}
            public FilterRegistrationBean(T filter) {}
            public void setFilter(T filter) {}
            public T getFilter() { return null; }
            public void addUrlPatterns(String... urlPatterns) {}
            public void setUrlPatterns(Collection<String> urlPatterns) {}
            public void setDispatcherTypes(DispatcherType first, DispatcherType... rest) {}
            public void setDispatcherTypes(EnumSet<DispatcherType> dispatcherTypes) {}
            public void setAsyncSupported(boolean asyncSupported) {}
            public void setName(String name) {}
            public void setOrder(int order) {}
            public void addInitParameter(String name, String value) {}
          }
          """);

  private static final Pattern MEMBER_START =
      Pattern.compile(
          "^(@\\w+.*"
              + "|((public|protected|private|static|final|abstract)\\s+)*(class|record|interface|enum)\\s.*"
              + "|((public|protected|private|static|final)\\s+)*[\\w.<>\\[\\], ?]+\\s+\\w+\\s*\\(.*\\)"
              + "\\s*(throws\\s+[\\w., ]+)?\\s*\\{)$");
  private static final Pattern PUBLIC_TYPE =
      Pattern.compile(
          "public\\s+(?:final\\s+|abstract\\s+)*(?:class|record|interface|enum)\\s+(\\w+)");

  /** A Java block as a source file, and how many lines precede the block's first line in it. */
  record Unit(Block block, String path, String source, int offset) {}

  static Unit unit(Block block, int index) {
    String body = block.body();
    String first =
        body.lines()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("//"))
            .findFirst()
            .orElse("");
    if (first.startsWith("package ") || first.startsWith("import ")) {
      Matcher type = PUBLIC_TYPE.matcher(body);
      String name = type.find() ? type.group(1) : "Snippet" + index;
      Matcher pkg = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE).matcher(body);
      String dir = pkg.find() ? pkg.group(1).replace('.', '/') + "/" : "";
      return new Unit(block, dir + name, body, 0);
    }
    String name = "Snippet" + index;
    boolean members = MEMBER_START.matcher(first).matches();
    String head =
        "package docsnippets;\n"
            + IMPORTS
            + "@SuppressWarnings(\"unused\")\nabstract class "
            + name
            + " {\n"
            + FIELDS
            + (members ? "" : "  void snippet() throws Exception {\n");
    String tail = members ? "\n}\n" : "\n  }\n}\n";
    return new Unit(block, "docsnippets/" + name, head + body + tail, (int) head.lines().count());
  }

  private static JavaFileObject source(String path, String code) {
    return new SimpleJavaFileObject(
        URI.create("string:///" + path + ".java"), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return code;
      }
    };
  }

  /** Compiles the units with the stubs; returns each error as "file:line: message". */
  static List<String> compile(List<Unit> units, Path out) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertNotNull(javac, "no system Java compiler (a JRE without javac?)");
    Map<JavaFileObject, Unit> byFile = new HashMap<>();
    List<JavaFileObject> files = new ArrayList<>();
    for (Unit unit : units) {
      JavaFileObject file = source(unit.path(), unit.source());
      byFile.put(file, unit);
      files.add(file);
    }
    SPRING_STUBS.forEach((path, code) -> files.add(source(path, code)));
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager fm =
        javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
      List<String> options =
          List.of("--release", "17", "-proc:none", "-classpath", classPath, "-d", out.toString());
      javac.getTask(null, fm, diagnostics, options, null, files).call();
    }
    List<String> errors = new ArrayList<>();
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      if (d.getKind() != Diagnostic.Kind.ERROR) {
        continue;
      }
      Unit unit = byFile.get(d.getSource());
      String where =
          unit == null
              ? String.valueOf(d.getSource())
              : ROOT.relativize(unit.block().file())
                  + ":"
                  + (unit.block().firstLine() + d.getLineNumber() - 1 - unit.offset());
      errors.add(where + ": " + d.getMessage(Locale.ROOT));
    }
    return errors;
  }

  @Test
  void javaBlocksCompile(@TempDir Path out) throws IOException {
    List<Block> java = blocks("java");
    assertTrue(java.size() >= 4, "expected the README's and docs' Java blocks, found " + java);
    List<Unit> units = new ArrayList<>();
    for (int i = 0; i < java.size(); i++) {
      units.add(unit(java.get(i), i));
    }
    assertEquals(List.of(), compile(units, out), "Java blocks that do not compile");
  }

  /** The check itself: a block that misuses the API is reported at its own line. */
  @Test
  void aBrokenJavaBlockIsReportedAtItsLine(@TempDir Path out) throws IOException {
    Path file = ROOT.resolve("README.md");
    Block broken =
        new Block(
            file, 10, "java", "KeystoneAuthConfig c = KeystoneAuthConfig.builder()\n    .nope();");
    List<String> errors = compile(List.of(unit(broken, 0)), out);
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).startsWith("README.md:11: "), errors.get(0));
  }

  // ---------------------------------------------------------------- XML and properties

  private static Document parseXml(Block block) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    DocumentBuilder builder = factory.newDocumentBuilder();
    builder.setErrorHandler(null);
    String body = block.body().strip();
    String xml = body.startsWith("<?xml") ? body : "<snippet>\n" + body + "\n</snippet>";
    return builder.parse(new InputSource(new StringReader(xml)));
  }

  @Test
  void xmlBlocksAreWellFormedAndNameKnownOptions() throws Exception {
    List<Block> xml = blocks("xml");
    assertTrue(xml.size() >= 3, "expected the README's and docs' XML blocks, found " + xml);
    Set<String> known = InitParameters.optionNames();
    List<String> problems = new ArrayList<>();
    int filterConfigs = 0;
    for (Block block : xml) {
      Document document;
      try {
        document = parseXml(block);
      } catch (Exception e) {
        problems.add(block.where() + ": not well-formed XML: " + e.getMessage());
        continue;
      }
      if (!block.body().contains(KeystoneAuthFilter.class.getName())) {
        continue;
      }
      filterConfigs++;
      NodeList names = document.getElementsByTagName("param-name");
      for (int i = 0; i < names.getLength(); i++) {
        String name = names.item(i).getTextContent().strip();
        if (!known.contains(name)) {
          problems.add(block.where() + ": init-param " + name + " is not an option of the filter");
        }
      }
    }
    assertEquals(List.of(), problems);
    assertTrue(filterConfigs >= 2, "expected web.xml blocks configuring the filter");
  }

  @Test
  void propertiesBlocksNameKnownOptions() throws IOException {
    List<Block> properties = blocks("properties");
    assertTrue(properties.size() >= 1, "expected the migration example's properties block");
    Set<String> known = InitParameters.optionNames();
    List<String> unknown = new ArrayList<>();
    for (Block block : properties) {
      Properties parsed = new Properties();
      parsed.load(new StringReader(block.body()));
      for (String name : new TreeSet<>(parsed.stringPropertyNames())) {
        if (!known.contains(name)) {
          unknown.add(block.where() + ": " + name);
        }
      }
    }
    assertEquals(List.of(), unknown, "properties that are not options of the filter");
  }

  // ---------------------------------------------------------------- links

  private static final Pattern LINK =
      Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");

  /** The text of a file outside its fenced code blocks, line by line (code lines blanked). */
  private static List<String> prose(Path file) throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    boolean inCode = false;
    for (int i = 0; i < lines.size(); i++) {
      boolean fence = lines.get(i).strip().startsWith("```");
      if (fence || inCode) {
        lines.set(i, "");
      }
      if (fence) {
        inCode = !inCode;
      }
    }
    return lines;
  }

  /** GitHub's anchors for a file's headings. */
  static Set<String> anchors(Path file) throws IOException {
    Set<String> anchors = new LinkedHashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : prose(file)) {
      Matcher heading = HEADING.matcher(line);
      if (!heading.matches()) {
        continue;
      }
      String text = heading.group(1).replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1");
      String slug =
          text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
      int n = seen.merge(slug, 1, Integer::sum);
      anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
    }
    return anchors;
  }

  static List<String> brokenLinks(Path file) throws IOException {
    List<String> broken = new ArrayList<>();
    List<String> lines = prose(file);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).replaceAll("`[^`]*`", "");
      Matcher link = LINK.matcher(line);
      while (link.find()) {
        String target = link.group(1);
        if (target.matches("^[a-zA-Z][a-zA-Z+.-]*:.*")) {
          continue; // https:, mailto:, ...: not checked here (no network in tests)
        }
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? "" : target.substring(hash + 1);
        Path resolved = path.isEmpty() ? file : file.getParent().resolve(path).normalize();
        String where = ROOT.relativize(file) + ":" + (i + 1) + ": " + target;
        if (!Files.exists(resolved)) {
          broken.add(where + " (no such file)");
        } else if (!anchor.isEmpty()) {
          if (!resolved.toString().endsWith(".md")) {
            broken.add(where + " (an anchor into a file that is not Markdown)");
          } else if (!anchors(resolved).contains(anchor)) {
            broken.add(where + " (no such heading in " + ROOT.relativize(resolved) + ")");
          }
        }
      }
    }
    return broken;
  }

  @Test
  void relativeLinksAndAnchorsResolve() throws IOException {
    List<String> broken = new ArrayList<>();
    int files = 0;
    for (Path file : linkedFiles()) {
      assertTrue(Files.exists(file), file + " is missing");
      broken.addAll(brokenLinks(file));
      files++;
    }
    assertEquals(List.of(), broken, "broken links in " + files + " files");
  }

  /** The checker itself: GitHub's anchor rules, and a missing file or heading is reported. */
  @Test
  void theLinkCheckerFindsBrokenLinks(@TempDir Path dir) throws IOException {
    Path page = dir.resolve("page.md");
    Files.writeString(
        page,
        """
        # Title
        ## Shared token cache (memcached)
        ## Migrating a `[keystone_authtoken]` section
        ## Title
        [ok](#shared-token-cache-memcached) [ok](#migrating-a-keystone_authtoken-section)
        [ok](#title-1) [ok](page.md#title) [ok](https://example.com/x#y)
        [bad](#nope) [bad](other.md) `[not a link](nowhere.md)`
        ```
        [not a link either](nowhere.md)
        ```
        """);
    List<String> broken = brokenLinks(page);
    assertEquals(2, broken.size(), broken.toString());
    assertTrue(broken.get(0).contains("#nope (no such heading"), broken.get(0));
    assertTrue(broken.get(1).contains("other.md (no such file)"), broken.get(1));
  }
}
