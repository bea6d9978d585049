package dev.deployguard.store;

import static dev.deployguard.store.Sql.instant;
import static dev.deployguard.store.Sql.time;

import dev.deployguard.error.DeployGuardException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** The API-token part of the JDBC store (table of V5__api_tokens.sql); each method is one transaction. */
final class TokenTables {
    private final DataSource dataSource;

    TokenTables(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void add(TokenStore.StoredToken t) {
        Sql.tx(dataSource, c -> {
            if (find(c, "name", t.name()).isPresent()) {
                throw DeployGuardException.badInput("a token named '" + t.name() + "' exists; revoke it first"
                        + " (deployguard token revoke " + t.name() + ") or choose another name; nothing changed");
            }
            try (var ps = c.prepareStatement("INSERT INTO api_tokens (name, role, token_hash, created_at, created_by,"
                    + " last_used_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, t.name());
                ps.setString(2, t.role());
                ps.setString(3, t.hash());
                ps.setObject(4, time(t.createdAt()));
                ps.setString(5, t.createdBy());
                if (t.lastUsedAt() == null) {
                    ps.setNull(6, Types.TIMESTAMP_WITH_TIMEZONE);
                } else {
                    ps.setObject(6, time(t.lastUsedAt()));
                }
                ps.executeUpdate();
            }
            return null;
        });
    }

    List<TokenStore.StoredToken> list() {
        return Sql.tx(dataSource, c -> {
            try (var ps = c.prepareStatement("SELECT * FROM api_tokens ORDER BY name");
                 var rs = ps.executeQuery()) {
                List<TokenStore.StoredToken> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(token(rs));
                }
                return out;
            }
        });
    }

    Optional<TokenStore.StoredToken> byHash(String hash) {
        return Sql.tx(dataSource, c -> find(c, "token_hash", hash));
    }

    boolean remove(String name) {
        return Sql.tx(dataSource, c -> {
            try (var ps = c.prepareStatement("DELETE FROM api_tokens WHERE name = ?")) {
                ps.setString(1, name);
                return ps.executeUpdate() > 0;
            }
        });
    }

    void used(String name, Instant at) {
        Sql.tx(dataSource, c -> {
            try (var ps = c.prepareStatement("UPDATE api_tokens SET last_used_at = ? WHERE name = ?"
                    + " AND (last_used_at IS NULL OR last_used_at < ?)")) {
                ps.setObject(1, time(at));
                ps.setString(2, name);
                ps.setObject(3, time(at));
                ps.executeUpdate();
            }
            return null;
        });
    }

    private static Optional<TokenStore.StoredToken> find(Connection c, String column, String value)
            throws SQLException {
        // column is one of two constants of this class, never input.
        try (var ps = c.prepareStatement("SELECT * FROM api_tokens WHERE " + column + " = ?")) {
            ps.setString(1, value);
            try (var rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(token(rs)) : Optional.empty();
            }
        }
    }

    private static TokenStore.StoredToken token(ResultSet rs) throws SQLException {
        return new TokenStore.StoredToken(rs.getString("name"), rs.getString("role"), rs.getString("token_hash"),
                instant(rs, "created_at"), rs.getString("created_by"), instant(rs, "last_used_at"));
    }
}
