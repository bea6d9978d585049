package dev.deployguard.store;

import dev.deployguard.testing.InMemoryStore;
import org.junit.jupiter.api.BeforeEach;

/** The in-memory store of deployguard-testing keeps the same contract as the JDBC store (H2StoreTest). */
class InMemoryStoreTest extends StoreContract {
    InMemoryStore store;

    @BeforeEach
    void open() {
        store = new InMemoryStore();
    }

    @Override
    Store store() {
        return store;
    }
}
