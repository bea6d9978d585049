package dev.deployguard.store.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A release's migrations not yet applied, split where the expand/contract flow splits them: {@code expand} runs
 * before traffic moves (old code keeps working on it), {@code held} waits for {@code deployguard migrate APP
 * --contract} after the rollout and its bake: the first contract migration and everything after it, since Flyway
 * applies versions in order.
 */
public record MigrationPlan(List<Migration> expand, List<Migration> held) {
    public MigrationPlan {
        expand = List.copyOf(expand);
        held = List.copyOf(held);
    }

    /** Splits pending migrations (oldest first) at the first contract one. */
    public static MigrationPlan split(List<Migration> pending) {
        List<Migration> expand = new ArrayList<>();
        List<Migration> held = new ArrayList<>();
        for (Migration m : pending) {
            if (held.isEmpty() && m.kind() == MigrationKind.EXPAND) {
                expand.add(m);
            } else {
                held.add(m);
            }
        }
        return new MigrationPlan(expand, held);
    }

    /** The highest version the expand phase runs to, empty when it has nothing to run. */
    public Optional<String> expandTarget() {
        return expand.isEmpty() ? Optional.empty() : Optional.of(expand.get(expand.size() - 1).version());
    }

    /** The contract migrations among the held ones. */
    public List<Migration> heldContract() {
        return held.stream().filter(m -> m.kind() == MigrationKind.CONTRACT).toList();
    }

    /** {@code V2 'add status' (expand)}, comma-separated; "none" when empty. */
    public static String describe(List<Migration> list) {
        return list.isEmpty() ? "none" : String.join(", ", list.stream()
                .map(m -> "V" + m.version() + " '" + m.description() + "' (" + m.kind().word() + ")").toList());
    }
}
