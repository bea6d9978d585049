-- CONCURRENTLY cannot run inside a transaction, so Flyway runs this migration outside one; when it fails,
-- PostgreSQL cannot roll it back and Flyway records it with success = false.
CREATE INDEX CONCURRENTLY orders_by_region ON orders (region);
