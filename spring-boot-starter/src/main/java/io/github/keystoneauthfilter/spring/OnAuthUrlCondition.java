package io.github.keystoneauthfilter.spring;

import java.util.List;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code keystone.auth.auth-url} holds at least one URL, in any of Spring's forms
 * ({@code a,b}, {@code auth-url[0]=…}, {@code KEYSTONE_AUTH_AUTH_URL}), and {@code
 * keystone.auth.enabled} is not false.
 */
final class OnAuthUrlCondition implements Condition {
  @Override
  public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
    Binder binder = Binder.get(context.getEnvironment());
    boolean enabled =
        binder.bind(KeystoneAuthProperties.PREFIX + ".enabled", Boolean.class).orElse(true);
    List<String> urls =
        binder
            .bind(KeystoneAuthProperties.PREFIX + ".auth-url", Bindable.listOf(String.class))
            .orElse(List.of());
    return enabled && urls.stream().anyMatch(url -> !url.isBlank());
  }
}
