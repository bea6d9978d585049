package dev.deployguard.store;

import static dev.deployguard.store.JsonColumns.STRING_LIST;
import static dev.deployguard.store.JsonColumns.STRING_MAP;
import static dev.deployguard.store.JsonColumns.read;
import static dev.deployguard.store.JsonColumns.write;
import static dev.deployguard.store.Sql.instant;
import static dev.deployguard.store.Sql.time;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.release.PinnedImage;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseSchema;
import dev.deployguard.release.ReleaseStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The JDBC store's releases (numbered, immutable revisions per app) and their status; each method is one
 * transaction.
 */
final class ReleaseTable {
    private final DataSource dataSource;

    ReleaseTable(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    Release createRelease(Release draft) {
        return tx(c -> {
            int next;
            try (var ps = c.prepareStatement("SELECT COALESCE(MAX(revision), 0) FROM releases WHERE app = ?")) {
                ps.setString(1, draft.app());
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    next = rs.getInt(1) + 1;
                }
            }
            Release r = new Release(draft.app(), next, draft.version(), draft.command(), draft.env(),
                    draft.instances(), draft.configHash(), draft.changeCause(), draft.actor(), draft.createdAt(),
                    draft.status(), draft.sourceRevision(), draft.image(), draft.schema());
            try (var ps = c.prepareStatement("INSERT INTO releases (app, revision, version, command_json, env_json,"
                    + " instances, config_hash, change_cause, actor, created_at, status, source_revision, image,"
                    + " image_verified, schema_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, r.app());
                ps.setInt(2, r.revision());
                ps.setString(3, r.version());
                ps.setString(4, write(r.command()));
                ps.setString(5, write(r.env()));
                ps.setInt(6, r.instances());
                ps.setString(7, r.configHash());
                ps.setString(8, r.changeCause());
                ps.setString(9, r.actor());
                ps.setObject(10, time(r.createdAt()));
                ps.setString(11, r.status().name());
                if (r.sourceRevision() == null) {
                    ps.setNull(12, Types.INTEGER);
                } else {
                    ps.setInt(12, r.sourceRevision());
                }
                if (r.image() == null) {
                    ps.setNull(13, Types.VARCHAR);
                    ps.setNull(14, Types.BOOLEAN);
                } else {
                    ps.setString(13, r.image().reference());
                    ps.setBoolean(14, r.image().verified());
                }
                ps.setString(15, r.schema() == null ? null : write(r.schema()));
                ps.executeUpdate();
            }
            return r;
        });
    }

    Optional<Release> release(String app, int revision) {
        return tx(c -> {
            try (var ps = c.prepareStatement("SELECT * FROM releases WHERE app = ? AND revision = ?")) {
                ps.setString(1, app);
                ps.setInt(2, revision);
                try (var rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(release(rs)) : Optional.empty();
                }
            }
        });
    }

    List<Release> history(String app) {
        return tx(c -> {
            try (var ps = c.prepareStatement("SELECT * FROM releases WHERE app = ? ORDER BY revision")) {
                ps.setString(1, app);
                try (var rs = ps.executeQuery()) {
                    List<Release> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(release(rs));
                    }
                    return out;
                }
            }
        });
    }

    List<String> apps() {
        return tx(c -> {
            try (var ps = c.prepareStatement("SELECT DISTINCT app FROM releases ORDER BY app");
                 var rs = ps.executeQuery()) {
                List<String> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
                return out;
            }
        });
    }

    void setStatus(String app, int revision, ReleaseStatus status) {
        tx(c -> {
            try (var ps = c.prepareStatement("UPDATE releases SET status = ? WHERE app = ? AND revision = ?")) {
                ps.setString(1, status.name());
                ps.setString(2, app);
                ps.setInt(3, revision);
                if (ps.executeUpdate() != 1) {
                    throw DeployGuardException.notFound("app '" + app + "' has no revision " + revision);
                }
            }
            return null;
        });
    }

    void markDeployed(String app, int revision) {
        tx(c -> {
            try (var ps = c.prepareStatement("UPDATE releases SET status = 'SUPERSEDED'"
                    + " WHERE app = ? AND status = 'DEPLOYED' AND revision <> ?")) {
                ps.setString(1, app);
                ps.setInt(2, revision);
                ps.executeUpdate();
            }
            try (var ps = c.prepareStatement("UPDATE releases SET status = 'DEPLOYED' WHERE app = ? AND revision = ?")) {
                ps.setString(1, app);
                ps.setInt(2, revision);
                if (ps.executeUpdate() != 1) {
                    throw DeployGuardException.notFound("app '" + app + "' has no revision " + revision);
                }
            }
            return null;
        });
    }

    private Release release(ResultSet rs) throws SQLException {
        int src = rs.getInt("source_revision");
        Integer source = rs.wasNull() ? null : src;
        String image = rs.getString("image");
        String schema = rs.getString("schema_json");
        return new Release(rs.getString("app"), rs.getInt("revision"), rs.getString("version"),
                read(rs.getString("command_json"), STRING_LIST), read(rs.getString("env_json"), STRING_MAP),
                rs.getInt("instances"), rs.getString("config_hash"), rs.getString("change_cause"),
                rs.getString("actor"), instant(rs, "created_at"), ReleaseStatus.valueOf(rs.getString("status")),
                source, image == null ? null : PinnedImage.parse(image, rs.getBoolean("image_verified")),
                schema == null ? null : read(schema, ReleaseSchema.class));
    }

    void recordSchema(String app, String version, ReleaseSchema schema, java.time.Instant at) {
        tx(c -> {
            try (var del = c.prepareStatement("DELETE FROM release_schemas WHERE app = ? AND version = ?")) {
                del.setString(1, app);
                del.setString(2, version);
                del.executeUpdate();
            }
            try (var ps = c.prepareStatement("INSERT INTO release_schemas (app, version, schema_json, recorded_at)"
                    + " VALUES (?, ?, ?, ?)")) {
                ps.setString(1, app);
                ps.setString(2, version);
                ps.setString(3, write(schema));
                ps.setObject(4, time(at));
                ps.executeUpdate();
            }
            return null;
        });
    }

    Optional<ReleaseSchema> recordedSchema(String app, String version) {
        return tx(c -> {
            try (var ps = c.prepareStatement("SELECT schema_json FROM release_schemas WHERE app = ? AND version = ?")) {
                ps.setString(1, app);
                ps.setString(2, version);
                try (var rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs.getString(1), ReleaseSchema.class)) : Optional.empty();
                }
            }
        });
    }

    private <T> T tx(Sql.Work<T> work) {
        return Sql.tx(dataSource, work);
    }
}
