package dev.deployguard.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The store's role for API tokens: each has a unique name (the actor recorded for what it does) and a role, and is
 * kept only as the SHA-256 of its secret, so the store (and its backups) never holds a usable token.
 */
public interface TokenStore {

    /**
     * Adds a token.
     *
     * @throws dev.deployguard.error.DeployGuardException (bad input) when a token of that name exists; nothing changes
     */
    void addToken(StoredToken token);

    /** All tokens, by name. */
    List<StoredToken> tokens();

    /** The token whose secret hashes to {@code hash} (lowercase hex SHA-256), if any. */
    Optional<StoredToken> tokenByHash(String hash);

    /** Removes the token of that name; false when there was none. */
    boolean removeToken(String name);

    /** Records that the token was used at {@code at} (kept only if later than what is stored). */
    void tokenUsed(String name, Instant at);

    /**
     * One token as stored.
     *
     * @param role {@code viewer}, {@code operator} or {@code admin}
     * @param hash lowercase hex SHA-256 of the secret
     * @param lastUsedAt null until first used
     */
    record StoredToken(String name, String role, String hash, Instant createdAt, String createdBy,
                       Instant lastUsedAt) {
    }
}
