package dev.deployguard.spec;

import java.time.Duration;
import java.util.Objects;

/**
 * The app's {@code gitops} section: how DeployGuard acts on an app that Argo CD or Flux owns. Every field is
 * optional; {@link #DEFAULT} applies when the section is absent.
 *
 * @param autoSync        what a rollback does when the owner syncs automatically: refuse (as Argo CD's own server
 *                        does) or pause the automation first and record that
 * @param onFight         what happens when the owner changes back a field DeployGuard set
 * @param fightWindow     how long after acting DeployGuard watches for the owner changing its fields back
 * @param argocdNamespace where Argo CD's Applications live when the tracking id does not say
 */
public record GitOpsSpec(AutoSync autoSync, OnFight onFight, Duration fightWindow, String argocdNamespace) {
    public static final Duration DEFAULT_FIGHT_WINDOW = Duration.ofSeconds(15);
    public static final GitOpsSpec DEFAULT = new GitOpsSpec(AutoSync.REFUSE, OnFight.ALERT, DEFAULT_FIGHT_WINDOW,
            "argocd");

    public GitOpsSpec {
        Objects.requireNonNull(autoSync, "autoSync");
        Objects.requireNonNull(onFight, "onFight");
        Objects.requireNonNull(fightWindow, "fightWindow");
        Objects.requireNonNull(argocdNamespace, "argocdNamespace");
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
}
