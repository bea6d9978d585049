package dev.deployguard.kubernetes.gitops;

import static dev.deployguard.kubernetes.gitops.GitOpsFixture.NS;
import static dev.deployguard.kubernetes.gitops.GitOpsFixture.TARGET;
import static dev.deployguard.kubernetes.gitops.GitOpsFixture.WEB;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A field DeployGuard set, changed back by the GitOps controller within the window (simulated time, no sleeps). */
class FightWatchTest {
    private final GitOpsFixture f = new GitOpsFixture();

    @AfterEach
    void stop() {
        f.close();
    }

    private FightWatch watch() {
        return new FightWatch(f.client, f.clock, f.pause(), Duration.ofSeconds(2));
    }

    private void setImage(String image) {
        f.client.apps().deployments().inNamespace(NS).withName(WEB).edit(d -> {
            d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
            return d;
        });
    }

    @Test
    void selfHealChangesTheImageBackAndTheWatchSeesWho() {
        f.argoSyncedTwice(true, true);
        setImage("shop/web:v1"); // a rollback beside Argo CD

        Optional<FightWatch.Fight> fight = watch().watch(NS, WEB, new FightWatch.Expected(WEB, "shop/web:v1", null),
                Duration.ofSeconds(30));

        assertThat(fight).isPresent();
        assertThat(fight.get().field()).isEqualTo("image");
        assertThat(fight.get().actual()).isEqualTo("shop/web:v2");
        assertThat(fight.get().manager()).isEqualTo("argocd-controller");
        assertThat(fight.get().after()).isLessThanOrEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void replicasChangedBackCountToo() {
        f.gitops.kustomization("flux-system", "apps", TARGET);
        f.gitops.step();
        f.client.apps().deployments().inNamespace(NS).withName(WEB).edit(d -> {
            d.getSpec().setReplicas(6);
            return d;
        });

        Optional<FightWatch.Fight> fight = watch().watch(NS, WEB, new FightWatch.Expected(WEB, null, 6),
                Duration.ofSeconds(30));

        assertThat(fight.orElseThrow(() -> new AssertionError("no fight")).field()).isEqualTo("replicas");
    }

    @Test
    void aSuspendedOwnerDoesNotFightAndTheWatchEndsAtTheWindow() {
        f.gitops.kustomization("flux-system", "apps", TARGET);
        f.gitops.step();
        new FluxSuspension(f.client, f.clock).suspend(Controller.FLUX_KUSTOMIZATION, "flux-system", "apps", "t");
        setImage("shop/web:v0");
        var start = f.clock.instant();

        Optional<FightWatch.Fight> fight = watch().watch(NS, WEB, new FightWatch.Expected(WEB, "shop/web:v0", 3),
                Duration.ofSeconds(30));

        assertThat(fight).isEmpty();
        assertThat(Duration.between(start, f.clock.instant())).isEqualTo(Duration.ofSeconds(30));
    }
}
