package dev.deployguard.store.schema;

import java.util.List;
import java.util.Objects;

/**
 * One run of migrations: which phase, whether it succeeded, the versions it applied and its output (secrets already
 * masked), for the {@code migration.*} event.
 */
public record MigrationRun(String phase, boolean succeeded, List<String> applied, String output) {
    public MigrationRun {
        Objects.requireNonNull(phase, "phase");
        applied = List.copyOf(applied);
        output = output == null ? "" : output;
    }
}
