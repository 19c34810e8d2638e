package io.github.keystoneauthfilter;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.members;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API line (docs/api.md): what a user may rely on never shows an internal type, and only the
 * servlet adapter touches the servlet API, so the rest (the token validator among it) runs without
 * servlet classes.
 */
class ApiBoundaryTest {
  private static final String BASE = "io.github.keystoneauthfilter";

  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(BASE);
  }

  /** Public and protected members of API types name no internal type in their signatures. */
  static final ArchRule API_EXPOSES_NO_INTERNAL_TYPE =
      members()
          .that(visibleToUsers())
          .should(exposeNoInternalType())
          .because("users may rely on API signatures only; internal types change without notice");

  /** Public API types extend and implement no internal type (their methods would show it). */
  static final ArchRule API_TYPES_EXTEND_NO_INTERNAL_TYPE =
      classes()
          .that(DescribedPredicate.describe("are public API types", ApiBoundaryTest::isApiType))
          .should(extendNoInternalType())
          .because("a user may call every method an API type inherits");

  /** Only the filter class and internal.servlet depend on jakarta.servlet. */
  static final ArchRule ONLY_THE_SERVLET_ADAPTER_USES_SERVLETS =
      noClasses()
          .that(outsideTheServletAdapter())
          .should()
          .dependOnClassesThat()
          .resideInAPackage("jakarta.servlet..")
          .because("the validator and the stages must work without servlet classes");

  @Test
  void apiSignaturesExposeNoInternalType() {
    API_EXPOSES_NO_INTERNAL_TYPE.check(classes);
  }

  @Test
  void apiTypesExtendNoInternalType() {
    API_TYPES_EXTEND_NO_INTERNAL_TYPE.check(classes);
  }

  @Test
  void onlyTheServletAdapterDependsOnTheServletApi() {
    ONLY_THE_SERVLET_ADAPTER_USES_SERVLETS.check(classes);
  }

  @Test
  void theImportSawTheWholeCode() {
    // Both rules would pass vacuously on an empty import.
    if (!classes.contain(KeystoneAuthFilter.class.getName())
        || !classes.containPackage(BASE + ".internal.servlet")) {
      throw new AssertionError("the filter's main classes were not imported");
    }
  }

  /** A member of a public API type that code outside the library can see. */
  private static DescribedPredicate<JavaMember> visibleToUsers() {
    return DescribedPredicate.describe(
        "are public or protected members of public API types",
        member ->
            isApiType(member.getOwner())
                && (member.getModifiers().contains(JavaModifier.PUBLIC)
                    || member.getModifiers().contains(JavaModifier.PROTECTED))
                && !member.getModifiers().contains(JavaModifier.SYNTHETIC));
  }

  private static boolean isApiType(JavaClass type) {
    for (JavaClass c = type; c != null; c = c.getEnclosingClass().orElse(null)) {
      if (!c.getModifiers().contains(JavaModifier.PUBLIC)) {
        return false;
      }
    }
    return !isInternal(type);
  }

  private static boolean isInternal(JavaClass type) {
    return type.getPackageName().startsWith(BASE + ".internal");
  }

  private static ArchCondition<JavaMember> exposeNoInternalType() {
    return new ArchCondition<>("expose no internal type") {
      @Override
      public void check(JavaMember member, ConditionEvents events) {
        List<JavaType> signature = new ArrayList<>();
        if (member instanceof JavaField field) {
          signature.add(field.getType());
        } else if (member instanceof JavaCodeUnit code) {
          signature.add(code.getReturnType());
          signature.addAll(code.getParameterTypes());
          code.getThrowsClause().getTypes().forEach(signature::add);
        }
        for (JavaType type : signature) {
          for (JavaClass raw : type.getAllInvolvedRawTypes()) {
            if (isInternal(raw)) {
              events.add(
                  SimpleConditionEvent.violated(
                      member, member.getFullName() + " exposes internal type " + raw.getName()));
            }
          }
        }
      }
    };
  }

  private static ArchCondition<JavaClass> extendNoInternalType() {
    return new ArchCondition<>("extend and implement no internal type") {
      @Override
      public void check(JavaClass type, ConditionEvents events) {
        List<JavaType> supertypes = new ArrayList<>(type.getInterfaces());
        type.getSuperclass().ifPresent(supertypes::add);
        for (JavaType supertype : supertypes) {
          for (JavaClass raw : supertype.getAllInvolvedRawTypes()) {
            if (isInternal(raw)) {
              events.add(
                  SimpleConditionEvent.violated(
                      type, type.getName() + " extends internal type " + raw.getName()));
            }
          }
        }
      }
    };
  }

  /** Every class except the filter (and its nested classes) and internal.servlet. */
  private static DescribedPredicate<JavaClass> outsideTheServletAdapter() {
    String filter = KeystoneAuthFilter.class.getName();
    return DescribedPredicate.describe(
        "are outside the servlet adapter (KeystoneAuthFilter and internal.servlet)",
        type ->
            !type.getName().equals(filter)
                && !type.getName().startsWith(filter + "$")
                && !type.getPackageName().equals(BASE + ".internal.servlet"));
  }
}
