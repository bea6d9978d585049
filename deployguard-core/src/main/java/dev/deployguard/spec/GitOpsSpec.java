package dev.deployguard.spec;

import java.time.Duration;
import java.util.Objects;

/**
 * The app's {@code gitops} section: how DeployGuard acts on an app that Argo CD or Flux owns, and where the app's
 * desired state lives in git, so that after a rollback git says what actually runs (a restore commit of the app's
 * directory). Every field is optional; {@link #DEFAULT} applies when the section is absent.
 *
 * @param autoSync        what a rollback does when the owner syncs automatically: refuse (as Argo CD's own server
 *                        does) or pause the automation first and record that
 * @param onFight         what happens when the owner changes back a field DeployGuard set
 * @param fightWindow     how long after acting DeployGuard watches for the owner changing its fields back
 * @param argocdNamespace where Argo CD's Applications live when the tracking id does not say
 * @param git             the repository, branch and directory of the app's manifests; null when absent
 */
public record GitOpsSpec(AutoSync autoSync, OnFight onFight, Duration fightWindow, String argocdNamespace,
                         Git git) {
    public static final Duration DEFAULT_FIGHT_WINDOW = Duration.ofSeconds(15);
    public static final GitOpsSpec DEFAULT = new GitOpsSpec(AutoSync.REFUSE, OnFight.ALERT, DEFAULT_FIGHT_WINDOW,
            "argocd", null);

    public GitOpsSpec {
        Objects.requireNonNull(autoSync, "autoSync");
        Objects.requireNonNull(onFight, "onFight");
        Objects.requireNonNull(fightWindow, "fightWindow");
        Objects.requireNonNull(argocdNamespace, "argocdNamespace");
    }

    /** The Argo CD / Flux fields without a {@code git} block. */
    public GitOpsSpec(AutoSync autoSync, OnFight onFight, Duration fightWindow, String argocdNamespace) {
        this(autoSync, onFight, fightWindow, argocdNamespace, null);
    }

    /** Only a {@code git} block; the Argo CD / Flux fields take their defaults. */
    public GitOpsSpec(Git git) {
        this(DEFAULT.autoSync(), DEFAULT.onFight(), DEFAULT.fightWindow(), DEFAULT.argocdNamespace(), git);
    }

    /** A rollback of an app whose owner syncs automatically. */
    public enum AutoSync {
        /** Refuse, name the automation and how to turn it off; nothing changes. */
        REFUSE,
        /** Turn the owner's automation off (Argo CD auto-sync, Flux suspend), record it, then roll back. */
        PAUSE
    }

    /** The response to the owner changing back what DeployGuard set. */
    public enum OnFight {
        /** Record {@code gitops.fight} and notify; nothing else. */
        ALERT,
        /** Also pause the owner's automation so the rollback holds. */
        PAUSE,
        /** Also fail the command: the rollback did not hold. */
        REFUSE
    }

    /**
     * One app's directory in a git repository.
     *
     * @param url            the repository ({@code https://}, {@code http://}, {@code ssh://}, {@code git@host:path},
     *                       {@code git://} or {@code file://}); never holds a password
     * @param branch         the main line the app is deployed from, e.g. {@code main}
     * @param path           the app's directory (or file) relative to the repository root, without {@code ..}
     * @param push           where the restore commit goes
     * @param credentialsEnv the environment variable holding a token, or {@code user:password}, for HTTP(S); null for
     *                       none (SSH uses the agent and the keys in {@code ~/.ssh})
     */
    public record Git(String url, String branch, String path, Push push, String credentialsEnv) {
        public Git {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(branch, "branch");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(push, "push");
        }
    }

    /** Where the restore commit is pushed. */
    public enum Push {
        /** A new branch {@code deployguard/rollback-APP-<short bad SHA>} for review (a pull request). */
        BRANCH,
        /** Straight onto {@link Git#branch()}, as a fast-forward. */
        MAIN
    }
}
