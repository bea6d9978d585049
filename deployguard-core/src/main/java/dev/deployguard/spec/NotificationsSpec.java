package dev.deployguard.spec;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The app's {@code notifications} section: where rollout, verdict, rollback and incident messages go, how hard to
 * try, and whether an automatic rollback opens an incident. Secrets never appear here, only the names of the
 * environment variables that hold them.
 *
 * @param targets where to send
 * @param on which topics to send: some of {@link #TOPICS} (default {@link #DEFAULT_ON})
 * @param timeout bound on one delivery attempt
 * @param retries further attempts after a failed one
 * @param backoff wait before the first retry; doubled for each next one
 * @param autoOpenIncident whether an automatic rollback opens an incident (default true)
 */
public record NotificationsSpec(List<Target> targets, Set<String> on, Duration timeout, int retries,
                                Duration backoff, boolean autoOpenIncident) {
    /**
     * The topics a target can be told about. {@code backup} (backups, verifications and restores of the store, etcd
     * and namespaces: control-plane-wide, not one app's) is sent to every app's targets that list it, each address
     * once.
     */
    public static final Set<String> TOPICS = Set.of("rollout", "verdict", "rollback", "incident", "backup");
    /** The topics sent when {@code on} is not given: all but {@code backup}, which is asked for by name. */
    public static final Set<String> DEFAULT_ON = Set.of("rollout", "verdict", "rollback", "incident");
    /** What applies when an app has no {@code notifications} section: no targets, incidents auto-opened. */
    public static final NotificationsSpec DEFAULT = new NotificationsSpec(List.of(), DEFAULT_ON, Duration.ofSeconds(5),
            2, Duration.ofMillis(500), true);

    public NotificationsSpec {
        targets = List.copyOf(targets);
        on = Set.copyOf(on);
    }

    /**
     * One receiver.
     *
     * @param type {@code webhook} (the event as JSON) or {@code slack} (an incoming-webhook {@code {"text": ...}})
     * @param url the address, when it is not secret
     * @param urlEnv the environment variable holding the address, when it is (Slack's are)
     * @param tokenEnv the environment variable holding a bearer token to send, or null
     */
    public record Target(String type, String url, String urlEnv, String tokenEnv) {
        /** The address at send time, or null when its variable is unset. */
        public String resolveUrl() {
            return url != null ? url : System.getenv(urlEnv);
        }
    }
}
