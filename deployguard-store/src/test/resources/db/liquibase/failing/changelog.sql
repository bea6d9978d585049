--liquibase formatted sql

--changeset dev:1
CREATE TABLE orders (id BIGINT PRIMARY KEY, legacy_status VARCHAR(20));

--changeset dev:5 failOnError:false
ALTER TABLE no_such_table ADD COLUMN x INT;
