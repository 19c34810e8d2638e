package io.github.keystoneauthfilter.spring;

import static io.github.keystoneauthfilter.testing.ConfigReads.passwordLogin;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.metrics.KeystoneAuthMeterBinder;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The auto-configuration's conditions and property binding, without a server or Keystone: the
 * beans, their mapping, what wins over them, and start-up failures naming the property.
 */
class KeystoneAuthAutoConfigurationTest {
  private static final String UNSET_VARIABLE = "KAF_STARTER_TEST_SURELY_UNSET";

  private final WebApplicationContextRunner runner =
      new WebApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(KeystoneAuthAutoConfiguration.class));

  private final WebApplicationContextRunner configured =
      runner.withPropertyValues(
          "keystone.auth.auth-url=http://127.0.0.1:5000/v3,http://127.0.0.1:5001",
          "keystone.auth.username=svc",
          "keystone.auth.password=svc-pass",
          "keystone.auth.project-name=service");

  @Test
  void withoutAuthUrlThenNothingIsRegistered() {
    runner
        .withPropertyValues("keystone.auth.username=svc")
        .run(context -> assertThat(context).doesNotHaveBean(KeystoneAuthFilterRegistration.class));
  }

  @Test
  void whenDisabledThenNothingIsRegistered() {
    configured
        .withPropertyValues("keystone.auth.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(KeystoneAuthFilterRegistration.class));
  }

  @Test
  void withAuthUrlThenOneRegistrationOnEverythingForEveryDispatcherType() {
    configured.run(
        context -> {
          assertThat(context).hasSingleBean(KeystoneAuthFilterRegistration.class);
          KeystoneAuthFilterRegistration registration =
              context.getBean(KeystoneAuthFilterRegistration.class);
          assertThat(registration.getUrlPatterns()).containsExactly("/*");
          assertThat(registration.determineDispatcherTypes())
              .isEqualTo(EnumSet.allOf(DispatcherType.class));
          assertThat(registration.isAsyncSupported()).isTrue();
          assertThat(registration.getOrder()).isEqualTo(-110);
          assertThat(registration.getFilterName()).isEqualTo("keystone-auth");
          assertThat(registration.filter().settings().authUrls())
              .containsExactly(
                  URI.create("http://127.0.0.1:5000"), URI.create("http://127.0.0.1:5001"));
          assertThat(context).hasSingleBean(KeystoneAuthMeterBinder.class);
        });
  }

  @Test
  void authUrlAsIndexedListThenBoundInOrder() {
    runner
        .withPropertyValues(
            "keystone.auth.auth-url[0]=http://127.0.0.1:5002",
            "keystone.auth.auth-url[1]=http://127.0.0.1:5000",
            "keystone.auth.username=svc",
            "keystone.auth.password=svc-pass",
            "keystone.auth.project-name=service")
        .run(
            context ->
                assertThat(context.getBean(KeystoneAuthConfig.class).authUrls())
                    .containsExactly(
                        URI.create("http://127.0.0.1:5002"), URI.create("http://127.0.0.1:5000")));
  }

  @Test
  void propertiesInSpringFormsReachTheFilter() {
    configured
        .withPropertyValues(
            "keystone.auth.token-cache-time=2m",
            "keystone.auth.http-request-timeout=1500ms",
            "keystone.auth.failover-deadline=4",
            "keystone.auth.delay-auth-decision=true",
            "keystone.auth.excluded-paths=/public/*,/health",
            "keystone.auth.service-token-roles[0]=service",
            "keystone.auth.service-token-roles[1]=admin",
            "my.keystone.project=from-a-spring-placeholder",
            "keystone.auth.user-domain-name=${my.keystone.project}")
        .run(
            context -> {
              KeystoneAuthConfig config = context.getBean(KeystoneAuthConfig.class);
              assertThat(config.tokenCache().time()).isEqualTo(Duration.ofMinutes(2));
              assertThat(config.httpRequestTimeout()).isEqualTo(Duration.ofMillis(1500));
              assertThat(config.failover().deadline()).isEqualTo(Duration.ofSeconds(4));
              assertThat(config.delayAuthDecision()).isTrue();
              assertThat(config.excludedPaths()).containsExactly("/public/*", "/health");
              assertThat(config.serviceTokenRoles()).containsExactly("service", "admin");
              assertThat(passwordLogin(config).userDomainName())
                  .isEqualTo("from-a-spring-placeholder");
            });
  }

  @Test
  void environmentPlaceholderIsResolved() {
    String home = System.getenv("HOME");
    assertThat(home).as("the test needs HOME set").isNotNull();
    configured
        .withPropertyValues("keystone.auth.project-domain-name=${HOME}")
        .run(
            context ->
                assertThat(
                        passwordLogin(context.getBean(KeystoneAuthConfig.class))
                            .projectDomainName())
                    .isEqualTo(home));
  }

  @Test
  void unsetEnvironmentVariableStopsStartUpNamingTheProperty() {
    assertThat(System.getenv(UNSET_VARIABLE)).isNull();
    configured
        .withPropertyValues("keystone.auth.password=${" + UNSET_VARIABLE + "}")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining(
                        "keystone.auth.password refers to ${"
                            + UNSET_VARIABLE
                            + "}, but the environment variable "
                            + UNSET_VARIABLE
                            + " is not set"));
  }

  @Test
  void badValueStopsStartUpNamingThePropertyAndTheValue() {
    configured
        .withPropertyValues("keystone.auth.failover-failure-threshold=0")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining(
                        "keystone.auth.failover-failure-threshold must be a whole number from 1 to"
                            + " 1000 but was '0'"));
  }

  @Test
  void badValueIsReportedWithoutAStackTraceByTheFailureAnalyzer() {
    configured
        .withPropertyValues("keystone.auth.failover-failure-threshold=0")
        .run(
            context -> {
              FailureAnalysis analysis =
                  new KeystonePropertiesFailureAnalyzer().analyze(context.getStartupFailure());
              assertThat(analysis).isNotNull();
              assertThat(analysis.getDescription())
                  .isEqualTo(
                      "The Keystone filter's settings are not valid:"
                          + " keystone.auth.failover-failure-threshold must be a whole number from 1"
                          + " to 1000 but was '0'");
              assertThat(analysis.getAction()).contains("keystone.auth.*");
            });
  }

  @Test
  void failureAnalyzerIsRegisteredForSpringBoot() throws Exception {
    try (var in = getClass().getClassLoader().getResourceAsStream("META-INF/spring.factories")) {
      assertThat(in).isNotNull();
      assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
          .contains(KeystonePropertiesFailureAnalyzer.class.getName());
    }
  }

  @Test
  void missingRequiredValueStopsStartUpNamingTheProperty() {
    runner
        .withPropertyValues(
            "keystone.auth.auth-url=http://127.0.0.1:5000", "keystone.auth.username=svc")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining("keystone.auth.password is required"));
  }

  @Test
  void unparseableDurationStopsStartUpNamingTheProperty() {
    configured
        .withPropertyValues("keystone.auth.token-cache-time=soon")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .hasStackTraceContaining("keystone.auth.token-cache-time"));
  }

  @Test
  void applicationsOwnConfigWins() {
    configured
        .withUserConfiguration(OwnConfig.class)
        .run(
            context ->
                assertThat(
                        passwordLogin(
                                context
                                    .getBean(KeystoneAuthFilterRegistration.class)
                                    .filter()
                                    .settings())
                            .username())
                    .isEqualTo("own-user"));
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnConfig {
    @Bean
    KeystoneAuthConfig ownKeystoneAuthConfig() {
      return KeystoneAuthConfig.builder()
          .authUrl("http://127.0.0.1:5000")
          .username("own-user")
          .password("own-pass")
          .projectName("service")
          .build();
    }
  }

  @Test
  void everyPropertyBecomesTheFilterOptionOfItsName() {
    configured
        .withPropertyValues(
            "keystone.auth.www-authenticate-uri=https://keystone.example.com",
            "keystone.auth.user-domain-name=UD",
            "keystone.auth.project-domain-name=PD",
            "keystone.auth.delay-auth-decision=yes",
            "keystone.auth.token-cache-time=-1",
            "keystone.auth.token-cache-max-entries=11",
            "keystone.auth.invalid-token-cache-time=7",
            "keystone.auth.invalid-token-cache-max-entries=12",
            "keystone.auth.include-service-catalog=false",
            "keystone.auth.service-token-roles=s1,s2",
            "keystone.auth.service-token-roles-required=false",
            "keystone.auth.service-type=compute",
            "keystone.auth.excluded-paths=/x",
            "keystone.auth.insecure=true",
            "keystone.auth.http-connect-timeout=500ms",
            "keystone.auth.http-request-timeout=3",
            "keystone.auth.http-max-connections-per-endpoint=13",
            "keystone.auth.max-concurrent-validations=14",
            "keystone.auth.failover-deadline=9",
            "keystone.auth.failover-failure-threshold=4",
            "keystone.auth.failover-open-seconds=6",
            "keystone.auth.failover-max-open-seconds=61",
            "keystone.auth.failover-on-not-found=true",
            "keystone.auth.memcached-servers=127.0.0.1:11999",
            "keystone.auth.memcache-security-strategy=encrypt",
            "keystone.auth.memcache-secret-key=k",
            "keystone.auth.memcache-pool-socket-timeout=2",
            "keystone.auth.memcache-pool-dead-retry=30",
            "keystone.auth.memcache-pool-maxsize=3")
        .run(
            context -> {
              KeystoneAuthConfig c = context.getBean(KeystoneAuthConfig.class);
              assertThat(c.wwwAuthenticateUri())
                  .isEqualTo(URI.create("https://keystone.example.com"));
              assertThat(
                      List.of(
                          passwordLogin(c).userDomainName(), passwordLogin(c).projectDomainName()))
                  .containsExactly("UD", "PD");
              assertThat(c.delayAuthDecision()).isTrue();
              assertThat(c.tokenCache().time()).isEqualTo(Duration.ZERO);
              assertThat(c.tokenCache().maxEntries()).isEqualTo(11);
              assertThat(c.tokenCache().invalidTime()).isEqualTo(Duration.ofSeconds(7));
              assertThat(c.tokenCache().invalidMaxEntries()).isEqualTo(12);
              assertThat(c.includeServiceCatalog()).isFalse();
              assertThat(c.serviceTokenRoles()).containsExactly("s1", "s2");
              assertThat(c.serviceTokenRolesRequired()).isFalse();
              assertThat(c.serviceType()).isEqualTo("compute");
              assertThat(c.excludedPaths()).containsExactly("/x");
              assertThat(c.tls().insecure()).isTrue();
              assertThat(c.httpConnectTimeout()).isEqualTo(Duration.ofMillis(500));
              assertThat(c.httpRequestTimeout()).isEqualTo(Duration.ofSeconds(3));
              assertThat(c.maxConnectionsPerEndpoint()).isEqualTo(13);
              assertThat(c.maxConcurrentValidations()).isEqualTo(14);
              assertThat(c.failover().deadline()).isEqualTo(Duration.ofSeconds(9));
              assertThat(c.failover().failureThreshold()).isEqualTo(4);
              assertThat(c.failover().open()).isEqualTo(Duration.ofSeconds(6));
              assertThat(c.failover().maxOpen()).isEqualTo(Duration.ofSeconds(61));
              assertThat(c.failover().onNotFound()).isTrue();
              assertThat(c.sharedCache().servers()).hasSize(1);
              assertThat(c.memcacheSecurityStrategy())
                  .isEqualTo(KeystoneAuthConfig.MemcacheSecurityStrategy.ENCRYPT);
              assertThat(c.memcacheSecretKey()).isEqualTo("k");
              assertThat(c.sharedCache().socketTimeout()).isEqualTo(Duration.ofSeconds(2));
              assertThat(c.sharedCache().deadRetry()).isEqualTo(Duration.ofSeconds(30));
              assertThat(c.sharedCache().poolMaxsize()).isEqualTo(3);
            });
  }

  @Test
  void optionsWhenDurationHasMillisThenDecimalSecondsAndNoSecretInToString() {
    KeystoneAuthProperties properties =
        new org.springframework.boot.context.properties.bind.Binder(
                new org.springframework.boot.context.properties.source
                    .MapConfigurationPropertySource(
                    Map.of(
                        "keystone.auth.failover-deadline", "2500ms",
                        "keystone.auth.password", "top-secret",
                        "keystone.auth.auth-url", "http://a,http://b")))
            .bind("keystone.auth", KeystoneAuthProperties.class)
            .get();

    assertThat(properties.toOptions())
        .containsEntry("failover_deadline", "2.5")
        .containsEntry("auth_url", "http://a,http://b")
        .containsEntry("password", "top-secret")
        .doesNotContainKeys("enabled", "security");
    assertThat(properties.toString()).doesNotContain("top-secret");
  }
}
