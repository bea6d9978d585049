package dev.deployguard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.sql.DriverManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The same contract against a real PostgreSQL server. */
class PostgresStoreIT extends StoreContract {
    static PostgresServer pg;
    JdbcStore store;

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    @BeforeEach
    void open() throws Exception {
        try (var c = DriverManager.getConnection(pg.url(), "postgres", "");
             var s = c.createStatement()) {
            s.execute("DROP SCHEMA public CASCADE");
            s.execute("CREATE SCHEMA public");
        }
        store = JdbcStore.open(pg.url(), "postgres", null);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Override
    Store store() {
        return store;
    }

    @Test
    void unreachableServerIsReportedAsUnreachable() {
        assertThatThrownBy(() -> JdbcStore.open("jdbc:postgresql://127.0.0.1:1/x?password=s3cret", "postgres", null))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.UNREACHABLE))
                .hasMessageContaining("cannot open the state database")
                .hasMessageNotContaining("s3cret");
    }
}
