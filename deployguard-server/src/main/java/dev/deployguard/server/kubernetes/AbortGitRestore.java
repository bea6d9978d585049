package dev.deployguard.server.kubernetes;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.gitops.Deployed;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.server.gitops.GitCatchUp;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.store.EventStore;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The git restore commit after an aborted rollout on the cluster (a canary or blue/green rolled back, automatically
 * on a failing verdict or by {@code abort}), as after a Deployment or Helm rollback: for an app with a
 * {@code gitops.git} section, git's path goes back to the newest commit before the one that brought the aborted
 * release's version in, through {@link GitCatchUp} — written now, or pending and retried until it is, and
 * {@code gitops resume} re-arms the owner's automation only once git no longer deploys it. Listens to the event log
 * for the abort events {@link KubernetesRollouts#recordAbort} writes ({@code abort: true}, the rollout's id); the
 * aborted version comes from the rollout's {@code rollout.started} event, or its {@code rollout.preparing} one when it
 * was aborted before it started (a missed preparation deadline).
 */
final class AbortGitRestore implements Consumer<Event> {
    private final GitCatchUp git;
    private final SpecSource specs;
    private final EventStore events;

    AbortGitRestore(GitCatchUp git, SpecSource specs, EventStore events) {
        this.git = Objects.requireNonNull(git, "git");
        this.specs = specs;
        this.events = events;
    }

    @Override
    public void accept(Event e) {
        if (e.app() == null || !Boolean.TRUE.equals(e.data().get("abort"))
                || !(e.kind().equals(EventKinds.ROLLBACK_AUTOMATIC) || e.kind().equals(EventKinds.ROLLBACK_SUCCEEDED))
                || !(e.data().get("rollout") instanceof Number rollout)) {
            return;
        }
        AppSpec app;
        try {
            app = specs.app(e.app());
        } catch (DeployGuardException unreadable) {
            return; // the spec cannot be read now: no git section known, as after a rollback in the same state
        }
        if (app.gitops() == null || app.gitops().git() == null) {
            return;
        }
        // rollout.started names the version; a rollout aborted while it was still being prepared (its deadline
        // passed) never started, and its rollout.preparing event names it.
        String version = version(e.app(), EventKinds.ROLLOUT_STARTED, rollout.longValue());
        if (version == null) {
            version = version(e.app(), EventKinds.ROLLOUT_PREPARING, rollout.longValue());
        }
        if (version == null) {
            return; // a rollout begun before versions were recorded with it: nothing to look for in git
        }
        git.afterRollback(app, new Deployed.Mentions(List.of(version)), null, e.actor());
    }

    /** The version the newest {@code kind} event of rollout {@code rollout} names, or null. */
    private String version(String app, String kind, long rollout) {
        return events.events(app, kind, 0, null, 10_000).stream()
                .filter(s -> s.data().get("rollout") instanceof Number n && n.longValue() == rollout)
                .map(s -> s.data().get("version")).filter(v -> v instanceof String s && !s.isBlank())
                .map(String::valueOf).reduce((a, b) -> b).orElse(null);
    }
}
