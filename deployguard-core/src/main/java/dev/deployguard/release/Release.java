package dev.deployguard.release;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One immutable, numbered revision of an app. Everything needed to run it again is copied in (command template,
 * environment, instance count), so a rollback does not depend on today's spec file. Only {@code status} changes.
 *
 * @param sourceRevision for a rollback, the revision it copies; otherwise null
 */
public record Release(
        String app,
        int revision,
        String version,
        List<String> command,
        Map<String, String> env,
        int instances,
        String configHash,
        String changeCause,
        String actor,
        Instant createdAt,
        ReleaseStatus status,
        Integer sourceRevision) {

    public Release {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(version, "version");
        command = List.copyOf(command);
        env = Map.copyOf(env);
        Objects.requireNonNull(status, "status");
        if (revision < 1) {
            throw new IllegalArgumentException("revision must be >= 1, was " + revision);
        }
    }

    public Release withStatus(ReleaseStatus newStatus) {
        return new Release(app, revision, version, command, env, instances, configHash, changeCause, actor, createdAt,
                newStatus, sourceRevision);
    }

    /** The command with {@code ${version}} and {@code ${port}} replaced; each argument stays one argument. */
    public List<String> resolvedCommand(int port) {
        return command.stream().map(arg -> substitute(arg, port)).toList();
    }

    public Map<String, String> resolvedEnv(int port) {
        var out = new java.util.LinkedHashMap<String, String>();
        env.forEach((k, v) -> out.put(k, substitute(v, port)));
        return out;
    }

    private String substitute(String arg, int port) {
        return arg.replace("${version}", version).replace("${port}", Integer.toString(port));
    }
}
