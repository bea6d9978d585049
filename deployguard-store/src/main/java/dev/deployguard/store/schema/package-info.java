/**
 * Schema compatibility of releases: which migrations a release ships (expand or contract), what the database's
 * Flyway history holds, and whether rolling back to a release would put old code onto a schema it cannot use.
 */
package dev.deployguard.store.schema;
