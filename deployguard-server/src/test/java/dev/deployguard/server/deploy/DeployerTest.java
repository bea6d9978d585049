package dev.deployguard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.spec.LocalPlatformSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the deployer refuses, and that a refusal changes nothing: no release, no lock left behind, no process.
 * These paths end before the deployer asks for the app's router; past that point a deploy needs a real router
 * process, because the deployer takes {@link RouterProcesses} (a final class that starts processes) rather than a
 * {@code TrafficRouter} and a way to ensure a router. That part stays with the CLI's integration tests.
 */
class DeployerTest {
    @TempDir
    Path dir;
    LocalPlaneFixture plane;
    Deployer deployer;

    @BeforeEach
    void wire() {
        plane = new LocalPlaneFixture(dir, LocalPlaneFixture.sleepingApp(1) + """
                missing:
                  platform:
                    local:
                      command: ["./no-such-binary", "${port}"]
                      listen: "127.0.0.1:2"
                """);
        deployer = plane.deployer(plane.runner());
    }

    @AfterEach
    void cleanUp() {
        plane.close();
    }

    /** One refused operation: the state before, the call, and what the caller is told. */
    record Refusal(String name, Consumer<LocalPlaneFixture> given, Consumer<Deployer> when, ExitCode exit,
                   String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Refusal> refusals() {
        Consumer<LocalPlaneFixture> nothing = p -> { };
        Consumer<LocalPlaneFixture> twoServed = p -> {
            p.release("v1", ReleaseStatus.DEPLOYED);
            p.release("v2", ReleaseStatus.DEPLOYED);
        };
        return Stream.of(
                new Refusal("deploy without a version", nothing, d -> d.deploy(request("web", " ")),
                        ExitCode.BAD_INPUT, "--version is required"),
                new Refusal("deploy of an app the spec does not declare", nothing,
                        d -> d.deploy(request("shop", "v1")), ExitCode.NOT_FOUND, "unknown app 'shop'"),
                new Refusal("deploy of a command that cannot run", nothing, d -> d.deploy(request("missing", "v1")),
                        ExitCode.BAD_INPUT, "fix apps.missing.platform.local.command[0]"),
                new Refusal("deploy during a rollout", p -> {
                    p.release("v1", ReleaseStatus.DEPLOYED);
                    p.release("v2", ReleaseStatus.PROGRESSING);
                    p.store.saveRollout(Rollout.start(0, "web", dev.deployguard.rollout.RolloutKind.CANARY, 1, 2, p.clock.instant()),
                            p.clock.instant());
                }, d -> d.deploy(request("web", "v3")), ExitCode.BUSY, "promote or abort it first"),
                new Refusal("deploy while another operation holds the app", p -> p.store.lock("web", "rollback",
                        "cp-other", "bob", p.clock.instant()), d -> d.deploy(request("web", "v3")), ExitCode.BUSY,
                        "rollback by bob"),
                new Refusal("rollback of an app with no releases", nothing,
                        d -> d.rollback("web", null, null, "alice"), ExitCode.NOT_FOUND, "has no releases yet"),
                new Refusal("rollback with nothing serving", p -> p.release("v1", ReleaseStatus.FAILED),
                        d -> d.rollback("web", null, null, "alice"), ExitCode.FAILURE, "no serving release"),
                new Refusal("rollback to a revision that does not exist", twoServed,
                        d -> d.rollback("web", 9, null, "alice"), ExitCode.NOT_FOUND,
                        "has no revision 9; it has revisions 1 to 2"),
                new Refusal("rollback to the serving revision", twoServed,
                        d -> d.rollback("web", 2, null, "alice"), ExitCode.BAD_INPUT, "is already serving"),
                new Refusal("rollback with no earlier served release", p -> {
                    p.release("v1", ReleaseStatus.FAILED);
                    p.release("v2", ReleaseStatus.DEPLOYED);
                }, d -> d.rollback("web", null, null, "alice"), ExitCode.FAILURE,
                        "no earlier release that served traffic"),
                new Refusal("rollback to a revision during a rollout", p -> {
                    p.release("v1", ReleaseStatus.DEPLOYED);
                    p.release("v2", ReleaseStatus.PROGRESSING);
                    p.store.saveRollout(Rollout.start(0, "web", dev.deployguard.rollout.RolloutKind.CANARY, 1, 2, p.clock.instant()),
                            p.clock.instant());
                }, d -> d.rollback("web", 1, null, "alice"), ExitCode.BUSY, "canary rollout of revision 2"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void aRefusedOperationSaysWhyAndChangesNothing(Refusal c) {
        c.given().accept(plane);
        var lockBefore = plane.store.currentLock("web");
        var releasesBefore = plane.store.history("web");

        assertThatThrownBy(() -> c.when().accept(deployer))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(c.exit()))
                .hasMessageContaining(c.message());

        assertThat(plane.store.history("web")).isEqualTo(releasesBefore);
        assertThat(plane.store.currentLock("web")).isEqualTo(lockBefore);
        assertThat(plane.store.instances("web")).isEmpty();
        assertThat(plane.store.routes("web")).isEmpty();
    }

    @Test
    void aCommandThatCannotRunIsRecordedAsARefusal() {
        assertThatThrownBy(() -> deployer.deploy(request("missing", "v1"))).isInstanceOf(DeployGuardException.class);

        assertThat(plane.store.eventKinds("missing")).containsExactly(EventKinds.OPERATION_REFUSED);
        assertThat(plane.store.history("missing")).isEmpty();
        assertThat(plane.store.currentLock("missing")).isEmpty();
    }

    /** Everything that defines how a release runs changes its hash; the same inputs give the same hash. */
    @Test
    void theConfigHashCoversVersionCommandEnvironmentAndInstanceCount() {
        LocalPlatformSpec base = plane.specs.app("web").local();
        String hash = Deployer.configHash("v1", base);

        assertThat(Deployer.configHash("v1", base)).isEqualTo(hash).startsWith("sha256:").hasSize(7 + 64);
        List<String> changed = List.of(
                Deployer.configHash("v2", base),
                Deployer.configHash("v1", withCommand(base, List.of("sleep", "601"))),
                Deployer.configHash("v1", withEnv(base, Map.of("PORT_GIVEN", "${port}", "X", "1"))),
                Deployer.configHash("v1", withInstances(base, 2)));
        assertThat(changed).doesNotContain(hash).doesNotHaveDuplicates();
    }

    private static Deployer.DeployRequest request(String app, String version) {
        return new Deployer.DeployRequest(app, version, "test", false, Duration.ofSeconds(5), "alice");
    }

    private static LocalPlatformSpec withCommand(LocalPlatformSpec s, List<String> command) {
        return new LocalPlatformSpec(command, s.env(), s.instances(), s.workingDir(), s.listen(), s.readiness(),
                s.stop(), s.keepPreviousWarm());
    }

    private static LocalPlatformSpec withEnv(LocalPlatformSpec s, Map<String, String> env) {
        return new LocalPlatformSpec(s.command(), env, s.instances(), s.workingDir(), s.listen(), s.readiness(),
                s.stop(), s.keepPreviousWarm());
    }

    private static LocalPlatformSpec withInstances(LocalPlatformSpec s, int instances) {
        return new LocalPlatformSpec(s.command(), s.env(), instances, s.workingDir(), s.listen(), s.readiness(),
                s.stop(), s.keepPreviousWarm());
    }
}
