package io.github.keystoneauthfilter.spring;

import static io.github.keystoneauthfilter.testing.MarkdownBlocks.ROOT;
import static io.github.keystoneauthfilter.testing.MarkdownBlocks.blocks;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.keystoneauthfilter.testing.MarkdownBlocks.Block;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's and docs' Spring snippets (fenced {@code java spring} and {@code properties spring};
 * the filter module's DocumentationTest checks the others, without Spring) compile against this
 * module's class path, real Spring Boot and Spring Security included, and name only {@code
 * keystone.auth.*} properties the starter binds. Run once per Boot version (3.5 here, 4.0 in
 * spring-boot-starter-boot4-tests).
 */
class SpringDocumentationTest {
  private static final Pattern PUBLIC_TYPE =
      Pattern.compile("public\\s+(?:final\\s+)?(?:class|record|interface)\\s+(\\w+)");

  /** Imports a snippet of members (not a whole file) is compiled with. */
  private static final String IMPORTS =
      """
      import io.github.keystoneauthfilter.*;
      import io.github.keystoneauthfilter.spring.*;
      import jakarta.servlet.DispatcherType;
      import java.util.EnumSet;
      import org.springframework.boot.web.servlet.FilterRegistrationBean;
      import org.springframework.context.annotation.Bean;
      import org.springframework.security.config.Customizer;
      import org.springframework.security.config.annotation.web.builders.HttpSecurity;
      import org.springframework.security.web.SecurityFilterChain;
      """;

  @Test
  void javaSpringBlocksCompile(@TempDir Path out) throws IOException {
    List<Block> java = blocks("java spring");
    assertThat(java).as("docs/spring.md's app and own-chain snippets").hasSizeGreaterThan(1);
    List<JavaFileObject> sources = new ArrayList<>();
    List<Integer> offsets = new ArrayList<>();
    for (int i = 0; i < java.size(); i++) {
      String body = java.get(i).body();
      boolean wholeFile = body.strip().startsWith("package ") || body.strip().startsWith("import ");
      String head =
          wholeFile
              ? ""
              : "package spring_snippets;\n" + IMPORTS + "abstract class Snippet" + i + " {\n";
      String code = head + body + (wholeFile ? "" : "\n}\n");
      Matcher type = PUBLIC_TYPE.matcher(body);
      String name =
          wholeFile && type.find() ? type.group(1) : (wholeFile ? "Whole" : "Snippet") + i;
      sources.add(
          new SimpleJavaFileObject(
              URI.create("string:///" + name + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
              return code;
            }
          });
      offsets.add((int) head.lines().count());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac).as("a JDK's compiler").isNotNull();
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      // each block on its own: the README and docs/spring.md may show the same class
      DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
      Path dir = Files.createDirectories(out.resolve("block" + i));
      try (StandardJavaFileManager files =
          javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
        javac
            .getTask(
                null,
                files,
                diagnostics,
                List.of("--release", "17", "-proc:none", "-cp", classPath, "-d", dir.toString()),
                null,
                List.of(sources.get(i)))
            .call();
      }
      Block block = java.get(i);
      for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
        if (d.getKind() == Diagnostic.Kind.ERROR) {
          errors.add(
              ROOT.relativize(block.file())
                  + ":"
                  + (block.firstLine() + d.getLineNumber() - 1 - offsets.get(i))
                  + ": "
                  + d.getMessage(Locale.ROOT));
        }
      }
    }
    assertThat(errors).as("Spring snippets that do not compile").isEmpty();
  }

  @Test
  void propertiesSpringBlocksNameBoundProperties() throws IOException {
    Set<String> bound = new TreeSet<>();
    for (RecordComponent component : KeystoneAuthProperties.class.getRecordComponents()) {
      bound.add(component.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT));
    }
    List<Block> properties = blocks("properties spring");
    assertThat(properties).as("docs/spring.md's application.properties").isNotEmpty();
    List<String> unknown = new ArrayList<>();
    for (Block block : properties) {
      for (String line : block.body().lines().toList()) {
        String key = line.strip();
        if (key.isEmpty() || key.startsWith("#") || !key.startsWith("keystone.auth.")) {
          continue;
        }
        String name = key.substring("keystone.auth.".length()).split("[=:\\[.\\s]", 2)[0];
        if (!bound.contains(name)) {
          unknown.add(ROOT.relativize(block.file()) + ": " + key);
        }
      }
    }
    assertThat(unknown).as("keystone.auth properties the starter does not bind").isEmpty();
  }
}
