package io.github.keystoneauthfilter.spring;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The starter uses the filter's public API only, never its {@code internal} packages. */
class StarterBoundaryTest {
  @Test
  void starterNeverReachesIntoTheFiltersInternals() {
    JavaClasses starter =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.github.keystoneauthfilter.spring");

    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.github.keystoneauthfilter.internal..")
        .check(starter);
  }
}
