package dev.deployguard.spec;

import java.util.Map;
import java.util.Optional;

/** A validated {@code deployguard.yaml}: the apps DeployGuard manages, by name, in file order. */
public record Spec(Map<String, AppSpec> apps) {
    public Spec {
        apps = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(apps));
    }

    public Optional<AppSpec> app(String name) {
        return Optional.ofNullable(apps.get(name));
    }
}
