package dev.deployguard.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * A data source whose transactions {@link Sql#tx} checks against an {@link EpochFence} before committing; {@code
 * followersMayWrite} for the tables a follower writes too (events, token use).
 */
final class FencedDataSource extends DelegatingDataSource {
    private final DataSource delegate;
    private final EpochFence fence;
    private final boolean followersMayWrite;

    FencedDataSource(DataSource delegate, EpochFence fence, boolean followersMayWrite) {
        this.delegate = delegate;
        this.fence = fence;
        this.followersMayWrite = followersMayWrite;
    }

    void check(Connection c) throws SQLException {
        fence.check(c, followersMayWrite);
    }

    @Override
    DataSource delegate() {
        return delegate;
    }
}
