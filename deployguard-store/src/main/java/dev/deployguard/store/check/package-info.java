/**
 * The {@code migrations} check: reads an app's Flyway schema history (and PostgreSQL's advisory lock) and refuses a
 * deploy onto a failed or running migration. Uses JDBC and core's check SPI.
 */
package dev.deployguard.store.check;
