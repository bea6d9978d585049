/**
 * The store port as small role interfaces (releases, events, locks, instances, routers, rollouts, incidents) and
 * {@link dev.deployguard.store.Store} that joins them. The JDBC implementation ({@code JdbcStore}, module
 * deployguard-store) shares this package name; an in-memory one is in deployguard-testing. Interfaces and records
 * only.
 */
package dev.deployguard.store;
