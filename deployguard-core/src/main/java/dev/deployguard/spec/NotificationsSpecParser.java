package dev.deployguard.spec;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Validates an app's {@code notifications} section (see {@link NotificationsSpec}). */
public final class NotificationsSpecParser {
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private NotificationsSpecParser() {
    }

    /** The section as written. */
    static final class Raw {
        @JsonProperty("targets")
        List<RawTarget> targets;
        @JsonProperty("on")
        List<String> on;
        @JsonProperty("timeout")
        String timeout;
        @JsonProperty("retries")
        Integer retries;
        @JsonProperty("backoff")
        String backoff;
        @JsonProperty("autoOpenIncident")
        Boolean autoOpenIncident;
    }

    /** One target as written. */
    static final class RawTarget {
        @JsonProperty("type")
        String type;
        @JsonProperty("url")
        String url;
        @JsonProperty("urlEnv")
        String urlEnv;
        @JsonProperty("tokenEnv")
        String tokenEnv;
    }

    /** Returns null when the section is absent or has problems (each added to {@code problems} with its path). */
    public static NotificationsSpec parse(JsonNode node, String at, Path baseDir, List<String> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        int before = problems.size();
        Raw raw = SpecSections.read(node, Raw.class, at, problems);
        if (raw == null) {
            return null;
        }
        NotificationsSpec d = NotificationsSpec.DEFAULT;
        List<NotificationsSpec.Target> targets = new ArrayList<>();
        List<RawTarget> rawTargets = raw.targets == null ? List.of() : raw.targets;
        for (int i = 0; i < rawTargets.size(); i++) {
            NotificationsSpec.Target t = target(rawTargets.get(i), at + ".targets[" + i + "]", problems);
            if (t != null) {
                targets.add(t);
            }
        }
        Set<String> on = raw.on == null ? d.on() : new LinkedHashSet<>(raw.on);
        for (String topic : on) {
            if (!NotificationsSpec.TOPICS.contains(topic)) {
                problems.add(at + ".on: unknown topic '" + topic + "'; expected some of: rollout, verdict, rollback,"
                        + " incident, backup");
            }
        }
        Duration timeout = SpecSections.duration(raw.timeout, d.timeout(), at + ".timeout", problems);
        Duration backoff = SpecSections.duration(raw.backoff, d.backoff(), at + ".backoff", problems);
        if (timeout != null && (timeout.isZero() || timeout.compareTo(Duration.ofMinutes(1)) > 0)) {
            problems.add(at + ".timeout: expected a positive duration of at most 1m, e.g. 5s");
        }
        int retries = raw.retries == null ? d.retries() : raw.retries;
        if (retries < 0 || retries > 10) {
            problems.add(at + ".retries: expected 0 to 10, got " + retries);
        }
        boolean autoOpen = raw.autoOpenIncident == null || raw.autoOpenIncident;
        return problems.size() == before
                ? new NotificationsSpec(targets, on, timeout, retries, backoff, autoOpen) : null;
    }

    private static NotificationsSpec.Target target(RawTarget raw, String at, List<String> problems) {
        if (raw == null) {
            problems.add(at + ": expected a mapping with type and url (or urlEnv)");
            return null;
        }
        int before = problems.size();
        if (!"webhook".equals(raw.type) && !"slack".equals(raw.type)) {
            problems.add(at + ".type: expected webhook or slack, got " + (raw.type == null ? "nothing" : "'"
                    + raw.type + "'"));
        }
        if ((raw.url == null) == (raw.urlEnv == null)) {
            problems.add(at + ": expected exactly one of url or urlEnv (the name of an environment variable holding"
                    + " a secret address, as Slack's are)");
        }
        if (raw.url != null) {
            try {
                URI u = URI.create(raw.url);
                if ((!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) || u.getHost() == null) {
                    problems.add(at + ".url: expected an http(s) URL, e.g. https://hooks.example.com/deploys");
                } else if (u.getUserInfo() != null || u.getQuery() != null && u.getQuery().toLowerCase(java.util.Locale.ROOT)
                        .contains("token")) {
                    problems.add(at + ".url: must not carry a secret; put the address in an environment variable"
                            + " and name it in urlEnv, or the token in tokenEnv");
                }
            } catch (IllegalArgumentException e) {
                problems.add(at + ".url: not a URL: " + e.getMessage());
            }
        }
        for (String env : new String[] {raw.urlEnv, raw.tokenEnv}) {
            if (env != null && !ENV_NAME.matcher(env).matches()) {
                problems.add(at + ": '" + env + "' is not an environment variable name (letters, digits, _)");
            }
        }
        return problems.size() == before ? new NotificationsSpec.Target(raw.type, raw.url, raw.urlEnv, raw.tokenEnv)
                : null;
    }
}
