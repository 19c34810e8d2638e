package io.github.keystoneauthfilter.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.keystoneauthfilter.internal.config.InitParameters;
import java.lang.reflect.RecordComponent;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every option the filter accepts is a keystone.auth.* property, and no property is unknown. */
class KeystoneAuthPropertiesOptionsTest {
  /** keystonemiddleware's spellings the filter also reads, or options it only warns about. */
  private static final Set<String> NOT_BOUND =
      Set.of("memcache_servers", "memcache_tls_enabled", "memcache_sasl_enabled");

  /** The starter's own properties (keystone.auth.enabled, .shared-cache, .security.*). */
  private static final Set<String> STARTER_ONLY = Set.of("enabled", "sharedCache", "security");

  @Test
  void propertiesNameExactlyTheFiltersOptions() {
    Set<String> bound = new TreeSet<>();
    for (RecordComponent component : KeystoneAuthProperties.class.getRecordComponents()) {
      if (!STARTER_ONLY.contains(component.getName())) {
        bound.add(KeystoneAuthProperties.optionName(component.getName()));
      }
    }
    Set<String> options = new TreeSet<>(InitParameters.optionNames());
    options.removeAll(NOT_BOUND);

    assertThat(bound).containsExactlyElementsOf(options);
  }
}
