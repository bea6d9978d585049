/**
 * Who may do what, and the record of what they did: API tokens with roles kept hashed in the store
 * ({@link dev.deployguard.server.access.ApiTokens}, served by {@link dev.deployguard.server.access.TokenApi}) and the
 * audit trail of every action the API is asked for ({@link dev.deployguard.server.access.Audit}).
 */
package dev.deployguard.server.access;
