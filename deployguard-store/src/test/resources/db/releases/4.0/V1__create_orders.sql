CREATE TABLE orders (id BIGINT PRIMARY KEY, legacy_status VARCHAR(20));
