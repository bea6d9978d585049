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
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** What git's check-ref-format refuses, in short: no spaces, control characters, {@code ..}, {@code ~^:?*[\}. */
    private static final Pattern BRANCH = Pattern.compile("(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*\\.lock$)"
            + "(?!.*/$)(?!.*\\.$)[^\\x00-\\x20~^:?*\\[\\\\\\x7f]{1,200}");
    private static final Pattern SCHEMES = Pattern.compile("(?i)(https?|ssh|git|file)://.+|[A-Za-z0-9._-]+@[^:/]+:.+");

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
        @JsonProperty("git")
        RawGit git;
    }

    /** The {@code git} block as written. */
    static final class RawGit {
        @JsonProperty("url")
        String url;
        @JsonProperty("branch")
        String branch;
        @JsonProperty("path")
        String path;
        @JsonProperty("push")
        String push;
        @JsonProperty("credentialsEnv")
        String credentialsEnv;
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
        GitOpsSpec.Git git = raw.git == null ? null : git(raw.git, at + ".git", problems);
        return problems.size() == before ? new GitOpsSpec(autoSync, onFight, window, ns, git) : null;
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

    private static GitOpsSpec.Git git(RawGit raw, String at, List<String> problems) {
        int before = problems.size();
        if (raw.url == null || raw.url.isBlank()) {
            problems.add(at + ".url: missing; expected the repository of the app's manifests, e.g."
                    + " https://git.example.com/team/deploy.git or git@git.example.com:team/deploy.git");
        } else if (hasPassword(raw.url)) {
            // Not echoing the URL: it holds the secret.
            problems.add(at + ".url: holds a password or token; remove it and name the environment variable that"
                    + " holds it in " + at + ".credentialsEnv");
        } else if (!SCHEMES.matcher(raw.url).matches() || raw.url.chars().anyMatch(Character::isWhitespace)) {
            problems.add(at + ".url: expected an https://, http://, ssh://, git://, file:// or user@host:path"
                    + " repository URL, got '" + raw.url + "'");
        }
        String branch = raw.branch == null ? "main" : raw.branch;
        if (branch.startsWith("refs/") || !BRANCH.matcher(branch).matches()) {
            problems.add(at + ".branch: expected a branch name such as main (no spaces, '..', '~', '^', ':' or"
                    + " refs/ prefix), got '" + branch + "'");
        }
        String path = path(raw.path, at + ".path", problems);
        GitOpsSpec.Push push = null;
        String p = raw.push == null ? "branch" : raw.push.trim().toLowerCase(Locale.ROOT);
        if (p.equals("branch")) {
            push = GitOpsSpec.Push.BRANCH;
        } else if (p.equals("main")) {
            push = GitOpsSpec.Push.MAIN;
        } else {
            problems.add(at + ".push: expected branch (a new branch to review) or main (straight onto " + branch
                    + "), got '" + raw.push + "'");
        }
        if (raw.credentialsEnv != null && !ENV_NAME.matcher(raw.credentialsEnv).matches()) {
            problems.add(at + ".credentialsEnv: expected the name of an environment variable (letters, digits,"
                    + " '_'), got '" + raw.credentialsEnv + "'");
        }
        return problems.size() > before ? null
                : new GitOpsSpec.Git(raw.url, branch, path, push, raw.credentialsEnv);
    }

    /** The path normalised (no leading or trailing '/'), or null with a problem. */
    private static String path(String raw, String at, List<String> problems) {
        if (raw == null || raw.isBlank()) {
            problems.add(at + ": missing; expected the app's directory in the repository, e.g. apps/shop");
            return null;
        }
        String p = raw.strip();
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        boolean bad = p.isEmpty() || p.startsWith("/") || p.chars().anyMatch(Character::isISOControl)
                || List.of(p.split("/", -1)).stream().anyMatch(s -> s.isEmpty() || s.equals(".") || s.equals("..")
                || s.equals(".git"));
        if (bad) {
            problems.add(at + ": expected a directory relative to the repository root without '.', '..' or"
                    + " '.git' segments, e.g. apps/shop, got '" + raw + "'");
            return null;
        }
        return p;
    }

    private static boolean hasPassword(String url) {
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            return false;
        }
        String rest = url.substring(scheme + 3);
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        int at = authority.lastIndexOf('@');
        return at >= 0 && authority.substring(0, at).contains(":");
    }
}
