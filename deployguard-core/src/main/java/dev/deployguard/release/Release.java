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
 * @param image          the image pinned by digest (handed to instances as {@code DEPLOYGUARD_IMAGE} and the
 *                       {@code ${image}} placeholder); null for an app without an {@code image} section
 * @param schema         the migrations the release ships and the schema version it needs, recorded at deploy time;
 *                       null for an app without a {@code database} section (or a release recorded before)
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
        Integer sourceRevision,
        PinnedImage image,
        ReleaseSchema schema) {

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

    /** A release without a schema record. */
    public Release(String app, int revision, String version, List<String> command, Map<String, String> env,
                   int instances, String configHash, String changeCause, String actor, Instant createdAt,
                   ReleaseStatus status, Integer sourceRevision, PinnedImage image) {
        this(app, revision, version, command, env, instances, configHash, changeCause, actor, createdAt, status,
                sourceRevision, image, null);
    }

    /** A release without an image. */
    public Release(String app, int revision, String version, List<String> command, Map<String, String> env,
                   int instances, String configHash, String changeCause, String actor, Instant createdAt,
                   ReleaseStatus status, Integer sourceRevision) {
        this(app, revision, version, command, env, instances, configHash, changeCause, actor, createdAt, status,
                sourceRevision, null, null);
    }

    public Release withStatus(ReleaseStatus newStatus) {
        return new Release(app, revision, version, command, env, instances, configHash, changeCause, actor, createdAt,
                newStatus, sourceRevision, image, schema);
    }

    /** The same release with its image pinned. */
    public Release withImage(PinnedImage pinned) {
        return new Release(app, revision, version, command, env, instances, configHash, changeCause, actor, createdAt,
                status, sourceRevision, pinned, schema);
    }

    /** The same release with the record of its migrations. */
    public Release withSchema(ReleaseSchema recorded) {
        return new Release(app, revision, version, command, env, instances, configHash, changeCause, actor, createdAt,
                status, sourceRevision, image, recorded);
    }

    /**
     * The command with {@code ${version}}, {@code ${port}} and {@code ${image}} replaced; each argument stays one
     * argument.
     */
    public List<String> resolvedCommand(int port) {
        return command.stream().map(arg -> substitute(arg, port)).toList();
    }

    public Map<String, String> resolvedEnv(int port) {
        var out = new java.util.LinkedHashMap<String, String>();
        env.forEach((k, v) -> out.put(k, substitute(v, port)));
        if (image != null) {
            out.put("DEPLOYGUARD_IMAGE", image.reference());
        }
        return out;
    }

    private String substitute(String arg, int port) {
        return arg.replace("${version}", version).replace("${port}", Integer.toString(port))
                .replace("${image}", image == null ? "" : image.reference());
    }
}
