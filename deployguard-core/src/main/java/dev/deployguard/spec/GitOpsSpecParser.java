package dev.deployguard.spec;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Validates an app's {@code gitops} section (see {@link GitOpsSpec}). */
public final class GitOpsSpecParser {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    private GitOpsSpecParser() {
    }

    /** The section as written. */
    static final class Raw {
        @JsonProperty("autoSync")
        String autoSync;
        @JsonProperty("onFight")
        String onFight;
        @JsonProperty("fightWindow")
        String fightWindow;
        @JsonProperty("argocdNamespace")
        String argocdNamespace;
    }

    /** Returns {@link GitOpsSpec#DEFAULT} when absent, null when it has problems (added to {@code problems}). */
    public static GitOpsSpec parse(JsonNode node, String at, List<String> problems) {
        if (node == null || node.isNull()) {
            return GitOpsSpec.DEFAULT;
        }
        int before = problems.size();
        Raw raw = SpecSections.read(node, Raw.class, at, problems);
        if (raw == null) {
            return null;
        }
        GitOpsSpec.AutoSync autoSync = choice(GitOpsSpec.AutoSync.class, raw.autoSync, GitOpsSpec.AutoSync.REFUSE,
                at + ".autoSync", "refuse | pause", problems);
        GitOpsSpec.OnFight onFight = choice(GitOpsSpec.OnFight.class, raw.onFight, GitOpsSpec.OnFight.ALERT,
                at + ".onFight", "alert | pause | refuse", problems);
        Duration window = SpecSections.duration(raw.fightWindow, GitOpsSpec.DEFAULT_FIGHT_WINDOW,
                at + ".fightWindow", problems);
        if (window != null && (window.isNegative() || window.compareTo(Duration.ofMinutes(30)) > 0)) {
            problems.add(at + ".fightWindow: expected a duration from 0s (no watch) to 30m, got " + raw.fightWindow);
        }
        String ns = raw.argocdNamespace == null ? "argocd" : raw.argocdNamespace;
        if (!DNS_LABEL.matcher(ns).matches()) {
            problems.add(at + ".argocdNamespace: expected a namespace name (lower-case letters, digits, '-'), got '"
                    + ns + "'");
        }
        return problems.size() == before ? new GitOpsSpec(autoSync, onFight, window, ns) : null;
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String text, E dflt, String at, String expected,
                                                List<String> problems) {
        if (text == null) {
            return dflt;
        }
        try {
            return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            problems.add(at + ": expected one of " + expected + ", got '" + text + "'");
            return dflt;
        }
    }
}
