--liquibase formatted sql

--changeset dev:1
CREATE TABLE orders (id BIGINT PRIMARY KEY, legacy_status VARCHAR(20));
