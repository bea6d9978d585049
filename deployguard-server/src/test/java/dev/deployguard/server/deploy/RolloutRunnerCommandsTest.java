package dev.deployguard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.rollout.RolloutKind;
import dev.deployguard.rollout.Waiting;
import java.util.stream.Stream;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rollout runner's bookkeeping over an in-memory store: operator commands need a rollout and the app's lock,
 * and a restarted control plane resumes stored rollouts. Carrying out actions (weights, promotion, rollback) needs
 * a router: {@code RolloutRunner} takes {@link RouterProcesses} and calls it (and the deployer) directly, so those
 * paths wait for the RolloutTarget seam (issue 18, item 1) to be driven with a fake target.
 */
class RolloutRunnerCommandsTest {
    @TempDir
    Path dir;
    LocalPlaneFixture plane;
    RolloutRunner runner;

    @BeforeEach
    void wire() {
        plane = new LocalPlaneFixture(dir, LocalPlaneFixture.sleepingApp(1) + """
                  strategy:
                    canary:
                      steps:
                        - setWeight: 20
                        - pause: {}
                """);
        runner = plane.runner();
    }

    @AfterEach
    void cleanUp() {
        runner.close();
        plane.close();
    }

    @ParameterizedTest
    @EnumSource(RolloutEngine.Command.class)
    void aCommandWithoutARolloutIsRefusedAndReleasesTheLock(RolloutEngine.Command command) {
        plane.release("v1", ReleaseStatus.DEPLOYED);

        assertThatThrownBy(() -> runner.command("web", command, "alice"))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining("app 'web' has no rollout in progress");
        assertThat(plane.store.currentLock("web")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(RolloutEngine.Command.class)
    void aCommandWhileAnotherOperationHoldsTheAppIsBusyAndChangesNothing(RolloutEngine.Command command) {
        Rollout r = activeCanary();
        plane.store.lock("web", "deploy v3", "cp-other", "bob", plane.clock.instant());

        assertThatThrownBy(() -> runner.command("web", command, "alice"))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BUSY))
                .hasMessageContaining("deploy v3 by bob");
        assertThat(plane.store.activeRollout("web")).contains(r);
        assertThat(plane.store.currentLock("web").orElseThrow().holder()).isEqualTo("cp-other");
    }

    static Stream<Arguments> waitings() {
        Waiting promotion = new Waiting.Promotion("pause step");
        return Stream.of(Arguments.of(null, null), Arguments.of(promotion, promotion),
                Arguments.of(new Waiting.Webhook("smoke", "acceptance"), null));
    }

    @ParameterizedTest(name = "waiting for {0} resumes waiting for {1}")
    @MethodSource("waitings")
    void aStoredRolloutIsResumedAndAWebhookInFlightIsCalledAgain(Waiting waitingBefore, Waiting waitingAfter) {
        Rollout stored = activeCanary();
        Rollout waiting = stored.toBuilder().stepIndex(1).weight(2000).waiting(waitingBefore).build();
        plane.store.saveRollout(waiting, plane.clock.instant());

        runner.resumeAll();

        Rollout resumed = plane.store.activeRollout("web").orElseThrow();
        assertThat(resumed.waiting()).isEqualTo(waitingAfter);
        assertThat(resumed.stepIndex()).isEqualTo(1);
        assertThat(resumed.weight()).isEqualTo(2000);
        Event event = plane.store.events("web", 0, null, 10).get(0);
        assertThat(event.kind()).isEqualTo("rollout.resumed");
        assertThat(event.message()).contains("canary rollout of revision 2 at step 2");
        assertThat(runner.hasActive("web")).isTrue();
    }

    @Test
    void theBusyMessageNamesTheRolloutAndWhatToDo() {
        Rollout r = activeCanary().weight(2500);

        DeployGuardException e = RolloutRunner.busy("web", r);

        assertThat(e.exitCode()).isEqualTo(ExitCode.BUSY);
        assertThat(e.getMessage()).isEqualTo("app 'web' has a canary rollout of revision 2 in progress (PROGRESSING,"
                + " canary weight 25%); promote or abort it first");
    }

    /** Revision 1 serves, revision 2 is the canary of a stored, unfinished rollout. */
    private Rollout activeCanary() {
        plane.release("v1", ReleaseStatus.DEPLOYED);
        plane.release("v2", ReleaseStatus.PROGRESSING);
        return plane.store.saveRollout(Rollout.start(0, "web", RolloutKind.CANARY, 1, 2, plane.clock.instant()),
                plane.clock.instant());
    }
}
