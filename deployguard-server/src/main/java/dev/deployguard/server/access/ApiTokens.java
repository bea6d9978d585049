package dev.deployguard.server.access;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.server.request.Principal;
import dev.deployguard.server.request.Role;
import dev.deployguard.store.TokenStore;
import dev.deployguard.store.TokenStore.StoredToken;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * API tokens and the principals they stand for. The state directory's {@code api.token} is the built-in admin
 * token (name {@code admin}); every other token is a random 256-bit secret handed out once and stored only as its
 * SHA-256, with a name (the actor recorded for what it does) and a role.
 */
public final class ApiTokens {
    /** The name of the built-in token in the state directory's {@code api.token}. */
    public static final String ADMIN = "admin";
    /** Secrets start with this, so secret scanners and people can tell a DeployGuard token at a glance. */
    static final String PREFIX = "dgt_";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    /** Names that history already uses for something else: a token by these names would blur WHO. */
    private static final List<String> RESERVED = List.of(ADMIN, "demo", "system", "anonymous");
    /** How often "last used" is written per token: a busy script must not turn every read into a write. */
    static final Duration USE_RECORDED_EVERY = Duration.ofMinutes(1);

    private final TokenStore store;
    private final byte[] adminToken;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Instant> lastRecorded = new ConcurrentHashMap<>();

    public ApiTokens(TokenStore store, String adminToken, Clock clock) {
        this.store = store;
        this.adminToken = adminToken.getBytes(StandardCharsets.UTF_8);
        this.clock = clock;
    }

    /** A token just created: its secret is shown this once and never again. */
    public record Created(StoredToken token, String secret) {
    }

    /** The principal of a bearer token, or empty for an unknown (or revoked) one. */
    public Optional<Principal> authenticate(String secret) {
        if (secret == null || secret.isEmpty()) {
            return Optional.empty();
        }
        if (MessageDigest.isEqual(adminToken, secret.getBytes(StandardCharsets.UTF_8))) {
            return Optional.of(new Principal(ADMIN, Role.ADMIN));
        }
        if (!secret.startsWith(PREFIX) || secret.length() > 128) {
            return Optional.empty();
        }
        // Looked up by hash: the comparison happens on a digest an attacker cannot steer byte by byte.
        Optional<StoredToken> t = store.tokenByHash(hash(secret));
        t.ifPresent(this::used);
        return t.map(s -> new Principal(s.name(), Role.parse(s.role())));
    }

    /**
     * Creates a token.
     *
     * @param name null for a generated one ({@code ROLE-xxxxxx})
     */
    public Created create(String name, Role role, String createdBy) {
        if (role == null) {
            throw DeployGuardException.badInput("a token needs a role: viewer, operator or admin"
                    + " (e.g. deployguard token create --role viewer --name grafana)");
        }
        String n = name == null ? role.label() + "-" + HexFormat.of().formatHex(bytes(3)) : name;
        if (!NAME.matcher(n).matches()) {
            throw DeployGuardException.badInput("token name '" + n + "' is not valid: use 1-64 lowercase letters,"
                    + " digits, '.', '_' or '-', starting with a letter or digit (e.g. ci-deployer)");
        }
        if (RESERVED.contains(n)) {
            throw DeployGuardException.badInput("token name '" + n + "' is reserved (history uses it for "
                    + (n.equals(ADMIN) ? "the state directory's api.token" : "something else") + "); choose another");
        }
        String secret = PREFIX + HexFormat.of().formatHex(bytes(32));
        StoredToken t = new StoredToken(n, role.label(), hash(secret), clock.instant(), createdBy, null);
        store.addToken(t);
        return new Created(t, secret);
    }

    /** Every stored token (the built-in admin token is not among them). */
    public List<StoredToken> list() {
        return store.tokens();
    }

    /** Revokes a token at once: the next request with it is refused. */
    public StoredToken revoke(String name) {
        if (ADMIN.equals(name)) {
            throw DeployGuardException.badInput("the admin token is the state directory's api.token file and cannot"
                    + " be revoked through the API; to replace it, stop the server, delete api.token and start again");
        }
        StoredToken t = store.tokens().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> DeployGuardException.notFound("no token named '" + name
                        + "' (see: deployguard token list); nothing changed"));
        store.removeToken(name);
        lastRecorded.remove(name);
        return t;
    }

    /** Lowercase hex SHA-256 of a secret, as stored. */
    static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private void used(StoredToken t) {
        Instant now = clock.instant();
        Instant before = lastRecorded.get(t.name());
        if (before == null || !now.isBefore(before.plus(USE_RECORDED_EVERY))) {
            lastRecorded.put(t.name(), now);
            store.tokenUsed(t.name(), now);
        }
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
