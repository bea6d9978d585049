-- The leader lease of control planes sharing one PostgreSQL store (server --leader-elect=postgres): who leads, until
-- when by the database's clock, and the fencing epoch, raised at each change of leader. Every state change of a
-- leader checks the epoch it won in the same transaction, so a stale leader (paused, partitioned) cannot write.
CREATE TABLE control_plane_lease (
    name        VARCHAR(200) PRIMARY KEY,
    holder      VARCHAR(300) NOT NULL,
    epoch       BIGINT       NOT NULL,
    holder_pid  INTEGER,
    acquired_at TIMESTAMP WITH TIME ZONE NOT NULL,
    renewed_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
