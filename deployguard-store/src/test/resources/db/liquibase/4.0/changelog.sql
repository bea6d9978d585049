--liquibase formatted sql

--changeset dev:1
CREATE TABLE orders (id BIGINT PRIMARY KEY, legacy_status VARCHAR(20));

--changeset dev:2 labels:expand
ALTER TABLE orders ADD COLUMN status VARCHAR(20);

--changeset dev:3 labels:contract
ALTER TABLE orders DROP COLUMN legacy_status;

--changeset dev:4
--comment: deployguard:expand a new table, older releases keep working
CREATE TABLE regions (code VARCHAR(8) PRIMARY KEY);
