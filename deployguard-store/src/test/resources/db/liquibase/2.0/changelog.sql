--liquibase formatted sql

--changeset dev:1
CREATE TABLE orders (id BIGINT PRIMARY KEY, legacy_status VARCHAR(20));

--changeset dev:2 labels:expand
ALTER TABLE orders ADD COLUMN status VARCHAR(20);
