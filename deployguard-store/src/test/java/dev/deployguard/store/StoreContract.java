package dev.deployguard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Behaviour every Store must have; run against H2, PostgreSQL and the in-memory store of deployguard-testing. */
abstract class StoreContract {
    static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    abstract Store store();

    static Release draft(String app, String version) {
        return new Release(app, 1, version, List.of("./run", "--port", "${port}"), Map.of("A", "b"), 2, "sha256:x",
                "ship " + version, "alice", T0, ReleaseStatus.PENDING, null);
    }

    @Test
    void revisionsAreNumberedPerAppAndHistoryIsOrdered() {
        Release r1 = store().createRelease(draft("web", "v1"));
        Release r2 = store().createRelease(draft("web", "v2"));
        Release other = store().createRelease(draft("api", "v1"));

        assertThat(List.of(r1.revision(), r2.revision(), other.revision())).containsExactly(1, 2, 1);
        assertThat(store().history("web")).extracting(Release::version).containsExactly("v1", "v2");
        assertThat(store().release("web", 2)).get().isEqualTo(r2);
        assertThat(store().release("web", 9)).isEmpty();
        assertThat(store().apps()).containsExactly("api", "web");
    }

    @Test
    void aPinnedImageAndWhetherItWasVerifiedAreKept() {
        var pinned = new dev.deployguard.release.PinnedImage("127.0.0.1:5000/team/web",
                "sha256:" + "ab".repeat(32), true);
        Release r = store().createRelease(draft("web", "v1").withImage(pinned));
        Release plain = store().createRelease(draft("web", "v2"));

        assertThat(store().release("web", r.revision()).orElseThrow().image()).isEqualTo(pinned);
        assertThat(store().release("web", r.revision()).orElseThrow().image().reference())
                .isEqualTo("127.0.0.1:5000/team/web@sha256:" + "ab".repeat(32));
        assertThat(store().release("web", plain.revision()).orElseThrow().image()).isNull();
    }

    @Test
    void theMigrationsAReleaseShipsAreKeptWithIt() {
        var schema = new dev.deployguard.release.ReleaseSchema("flyway", "3", java.util.List.of(
                new dev.deployguard.release.ReleaseSchema.Shipped("2", "add status", "V2__add_status.sql", "expand"),
                new dev.deployguard.release.ReleaseSchema.Shipped("3", "contract drop legacy status",
                        "V3__contract_drop_legacy_status.sql", "contract")));
        Release r = store().createRelease(draft("web", "v3").withSchema(schema));
        Release plain = store().createRelease(draft("web", "v4"));

        assertThat(store().release("web", r.revision()).orElseThrow().schema()).isEqualTo(schema);
        assertThat(store().history("web").get(0).withStatus(ReleaseStatus.DEPLOYED).schema()).isEqualTo(schema);
        assertThat(store().release("web", plain.revision()).orElseThrow().schema()).isNull();
    }

    @Test
    void theSchemaRecordOfAReleaseKeptOutsideTheStoreIsFoundByAppAndVersionAndReplacedByALaterOne() {
        var v1 = new dev.deployguard.release.ReleaseSchema("flyway", "1", java.util.List.of(
                new dev.deployguard.release.ReleaseSchema.Shipped("1", "create orders", "V1__create_orders.sql",
                        "expand")));
        var v2 = new dev.deployguard.release.ReleaseSchema("flyway", "2", java.util.List.of(
                new dev.deployguard.release.ReleaseSchema.Shipped("2", "contract drop legacy status",
                        "V2__contract_drop_legacy_status.sql", "contract")));
        store().recordSchema("web", "v1", v1);
        store().recordSchema("web", "sha256:" + "a".repeat(64), v2);
        store().recordSchema("api", "v1", v2);

        assertThat(store().recordedSchema("web", "v1")).contains(v1);
        assertThat(store().recordedSchema("web", "sha256:" + "a".repeat(64))).contains(v2);
        assertThat(store().recordedSchema("web", "v2")).isEmpty();
        store().recordSchema("web", "v1", v2);
        assertThat(store().recordedSchema("web", "v1")).contains(v2);
        assertThat(store().recordedSchema("api", "v1")).contains(v2);
    }

    @Test
    void markDeployedSupersedesThePreviousServingRelease() {
        store().createRelease(draft("web", "v1"));
        store().createRelease(draft("web", "v2"));
        store().markDeployed("web", 1);
        store().markDeployed("web", 2);

        assertThat(store().history("web")).extracting(Release::status)
                .containsExactly(ReleaseStatus.SUPERSEDED, ReleaseStatus.DEPLOYED);
    }

    @Test
    void unknownRevisionIsNotFoundAndChangesNothing() {
        store().createRelease(draft("web", "v1"));
        assertThatThrownBy(() -> store().markDeployed("web", 7))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.NOT_FOUND))
                .hasMessageContaining("no revision 7");
        assertThat(store().history("web")).extracting(Release::status).containsExactly(ReleaseStatus.PENDING);
    }

    @Test
    void secondLockOnAnAppIsRefusedWithTheHolderNamed() {
        var lock = store().lock("web", "deploy v2", "cp-1", "alice", T0);
        assertThatThrownBy(() -> store().lock("web", "deploy v3", "cp-1", "bob", T0))
                .isInstanceOf(AppBusyException.class)
                .hasMessageContaining("deploy v2 by alice");
        store().lock("api", "deploy v1", "cp-1", "bob", T0);
        store().unlock(lock);
        assertThat(store().lock("web", "deploy v3", "cp-1", "bob", T0).operation()).isEqualTo("deploy v3");
    }

    @Test
    void locksOfADeadControlPlaneAreReclaimed() {
        store().lock("web", "deploy v2", "cp-old", "alice", T0);
        assertThat(store().releaseLocksNotHeldBy("cp-new")).isEqualTo(1);
        assertThat(store().currentLock("web")).isEmpty();
    }

    @Test
    void eventsAreAppendOnlyAndFilteredByAppIdAndTime() {
        Event a = store().append(Event.of(T0, "web", 1, "alice", "deploy.started", "deploying v1",
                Map.of("version", "v1", "instances", 2)));
        Event b = store().append(Event.of(T0.plusSeconds(60), "web", null, "system", "instance.crashed", "boom"));
        store().append(Event.of(T0.plusSeconds(61), "api", 1, "bob", "deploy.started", "other"));

        assertThat(b.id()).isGreaterThan(a.id());
        assertThat(store().events("web", 0, null, 100)).extracting(Event::kind)
                .containsExactly("deploy.started", "instance.crashed");
        assertThat(store().events("web", a.id(), null, 100)).extracting(Event::message).containsExactly("boom");
        assertThat(store().events(null, 0, T0.plusSeconds(30), 100)).hasSize(2);
        assertThat(store().events("web", 0, null, 100).get(0).data()).containsEntry("version", "v1")
                .containsEntry("instances", 2);
    }

    @Test
    void rolloutsAreSavedUpdatedAndTheActiveOneFound() {
        var r = store().saveRollout(dev.deployguard.rollout.Rollout.start(0, "web",
                dev.deployguard.rollout.RolloutKind.CANARY, 1, 2, T0), T0);
        assertThat(r.id()).isPositive();
        assertThat(store().activeRollout("web")).contains(r);
        var waiting = r.toBuilder().waiting(new dev.deployguard.rollout.Waiting.Webhook("smoke", "acceptance")).build();
        store().saveRollout(waiting, T0.plusSeconds(1));
        assertThat(store().activeRollout("web")).contains(waiting);
        var next = new dev.deployguard.rollout.Rollout(r.id(), "web", dev.deployguard.rollout.RolloutKind.CANARY, 1,
                2, dev.deployguard.rollout.Rollout.Phase.ROLLED_BACK, 3, 0, T0, T0.plusSeconds(9), null,
                "FAIL: E=200", "analysis failed");
        store().saveRollout(next, T0.plusSeconds(9));
        assertThat(store().activeRollout("web")).isEmpty();
        assertThat(store().rollouts("web", 10)).containsExactly(next);
    }

    @Test
    void theNewestUnfinishedRolloutIsTheActiveOneAndAnUnknownIdIsNotFound() {
        var first = store().saveRollout(dev.deployguard.rollout.Rollout.start(0, "web", dev.deployguard.rollout.RolloutKind.CANARY, 1, 2, T0), T0);
        var second = store().saveRollout(dev.deployguard.rollout.Rollout.start(0, "web", dev.deployguard.rollout.RolloutKind.CANARY, 2, 3, T0), T0);
        store().saveRollout(dev.deployguard.rollout.Rollout.start(0, "api", dev.deployguard.rollout.RolloutKind.CANARY, 1, 2, T0), T0);

        assertThat(second.id()).isGreaterThan(first.id());
        assertThat(store().activeRollout("web")).contains(second);
        assertThat(store().rollouts("web", 1)).containsExactly(second);
        store().saveRollout(second.done(dev.deployguard.rollout.Rollout.Phase.SUCCEEDED, "promoted", T0), T0);
        assertThat(store().activeRollout("web")).contains(first);
        assertThatThrownBy(() -> store().saveRollout(first.withId(first.id() + 1000), T0))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.NOT_FOUND));
    }

    @Test
    void onlyTheHolderOfALockCanUnlockIt() {
        var lock = store().lock("web", "deploy v2", "cp-1", "alice", T0);
        store().unlock(new Store.AppLock("web", "deploy v2", "cp-2", "alice", T0));
        store().unlock(new Store.AppLock("web", "rollback", "cp-1", "alice", T0));
        assertThat(store().currentLock("web")).get().extracting(Store.AppLock::holder).isEqualTo("cp-1");
        store().unlock(lock);
        assertThat(store().currentLock("web")).isEmpty();
        assertThat(store().releaseLocksNotHeldBy("cp-1")).isZero();
    }

    @Test
    void timestampsAreRoundedToTheMicrosecondAndEventDataReadsBackAsJson() {
        var at = T0.plusNanos(123_456_789);
        store().append(Event.of(at, "web", 1, "alice", "deploy.started", "v1",
                Map.of("pid", 4242L, "share", 0.25, "warm", true, "list", List.of(1, 2))));
        store().lock("web", "deploy v1", "cp-1", "alice", at);

        var read = store().events("web", 0, null, 10).get(0);
        assertThat(read.at()).isEqualTo(T0.plusNanos(123_457_000));
        assertThat(store().events("web", 0, T0.plusNanos(123_458_000), 10)).isEmpty();
        assertThat(store().currentLock("web").orElseThrow().acquiredAt()).isEqualTo(T0.plusNanos(123_457_000));
        // JSON has no long: a small one reads back as an Integer from either store.
        assertThat(read.data()).containsEntry("pid", 4242).containsEntry("share", 0.25)
                .containsEntry("warm", true).containsEntry("list", List.of(1, 2));
    }

    @Test
    void reassigningOntoAnOccupiedSlotFailsAndChangesNothing() {
        store().saveInstance(new Instance("web", 1, 0, 4242, T0, 40001, "/tmp/a.log", T0));
        store().saveInstance(new Instance("web", 2, 0, 4243, T0, 40002, "/tmp/b.log", T0));
        assertThatThrownBy(() -> store().reassignInstances("web", 1, 2))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.FAILURE));
        assertThat(store().instances("web")).extracting(Instance::pid).containsExactly(4242L, 4243L);
    }

    @Test
    void instancesRoutersAndRoutesRoundTrip() {
        var i = new Instance("web", 1, 0, 4242, T0, 40001, "/tmp/web-1-0.log", T0);
        store().saveInstance(i);
        store().saveInstance(new Instance("web", 1, 1, 4243, null, 40002, "/tmp/web-1-1.log", T0));
        assertThat(store().instances("web")).hasSize(2).first().isEqualTo(i);
        store().reassignInstances("web", 1, 3);
        assertThat(store().instances("web")).extracting(Instance::revision).containsOnly(3);
        store().removeInstance("web", 3, 0);
        assertThat(store().instances("web")).extracting(Instance::pid).containsExactly(4243L);

        var router = new Store.RouterRecord("web", 99, T0, 41000, "127.0.0.1:8080", "/tmp/r.log", T0);
        store().saveRouter(router);
        assertThat(store().router("web")).contains(router);

        var table = new RouteTable("web", 5, List.of(new Track("stable", 1, 9000, List.of("127.0.0.1:1")),
                new Track("canary", 2, 1000, List.of("127.0.0.1:2"))));
        store().saveRoutes(table);
        assertThat(store().routes("web")).contains(table);
    }

    @Test
    void removeAppTakesEveryRecordOfThatAppAndNothingOfAnotherOrOfItsIncidents() {
        for (String app : List.of("web", "api")) {
            store().createRelease(draft(app, "v1"));
            store().append(Event.of(T0, app, 1, "alice", "deploy.started", "deploying v1"));
            store().saveRollout(dev.deployguard.rollout.Rollout.start(0, app, dev.deployguard.rollout.RolloutKind.CANARY, 1, 2, T0), T0);
            store().saveInstance(new Instance(app, 1, 0, 4242, T0, 40001, "/tmp/" + app + ".log", T0));
            store().saveRouter(new Store.RouterRecord(app, 99, T0, 41000, "127.0.0.1:8080", "/tmp/r.log", T0));
            store().saveRoutes(RouteTable.single(app, 1, 1, List.of("127.0.0.1:1")));
        }
        store().lock("web", "deploy v2", "cp-1", "alice", T0);
        var incident = store().openIncident(new dev.deployguard.incident.Incident(0, "web", "5xx", "SEV2", T0,
                "system", null, null, null, null, null));

        Store.AppRemoved removed = store().removeApp("web");

        assertThat(removed).isEqualTo(new Store.AppRemoved(1, 1, 1, 4));
        assertThat(store().history("web")).isEmpty();
        assertThat(store().events("web", 0, null, 100)).isEmpty();
        assertThat(store().rollouts("web", 10)).isEmpty();
        assertThat(store().instances("web")).isEmpty();
        assertThat(store().router("web")).isEmpty();
        assertThat(store().routes("web")).isEmpty();
        assertThat(store().currentLock("web")).isEmpty();
        assertThat(store().apps()).containsExactly("api");
        assertThat(store().history("api")).hasSize(1);
        assertThat(store().events("api", 0, null, 100)).hasSize(1);
        assertThat(store().instances("api")).hasSize(1);
        assertThat(store().router("api")).isPresent();
        assertThat(store().incident(incident.id())).contains(incident);
    }

    @Test
    void incidentsAreOpenedNotedClosedOnceAndListedNewestFirst() {
        var opened = store().openIncident(new dev.deployguard.incident.Incident(0, "web", "5xx after v2", "SEV2", T0,
                "system", 7L, 2, null, null, null));
        var other = store().openIncident(new dev.deployguard.incident.Incident(0, "api", "slow", "SEV3",
                T0.plusSeconds(1), "alice", null, null, null, null, null));
        assertThat(opened.id()).isPositive();
        assertThat(store().incident(opened.id())).contains(opened);
        assertThat(store().incidents(null, 10)).containsExactly(other, opened);
        assertThat(store().incidents("web", 10)).containsExactly(opened);

        store().addIncidentNote(new dev.deployguard.incident.Incident.Note(opened.id(), T0.plusSeconds(5), "bob",
                "rolled back by itself"));
        assertThat(store().incidentNotes(opened.id())).extracting(dev.deployguard.incident.Incident.Note::text)
                .containsExactly("rolled back by itself");

        var closed = store().closeIncident(opened.id(), T0.plusSeconds(60), "bob", "v2 fixed in v3");
        assertThat(closed.isOpen()).isFalse();
        assertThat(closed.closedBy()).isEqualTo("bob");
        assertThat(closed.closedAt()).isEqualTo(T0.plusSeconds(60));
        assertThatThrownBy(() -> store().closeIncident(opened.id(), T0.plusSeconds(61), "eve", "again"))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT));
        assertThat(store().incident(opened.id()).orElseThrow().closedBy()).isEqualTo("bob");
        assertThatThrownBy(() -> store().addIncidentNote(new dev.deployguard.incident.Incident.Note(999, T0, "x",
                "y"))).isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.NOT_FOUND));
        assertThat(store().incident(999)).isEmpty();
    }

    @Test
    void tokensAreKeptByNameAndHashFoundByHashUsedAndRemoved() {
        var viewer = new TokenStore.StoredToken("grafana", "viewer", "a".repeat(64), T0, "admin", null);
        store().addToken(viewer);
        store().addToken(new TokenStore.StoredToken("ci", "operator", "b".repeat(64), T0.plusSeconds(1), "admin",
                null));
        assertThat(store().tokens()).extracting(TokenStore.StoredToken::name).containsExactly("ci", "grafana");
        assertThat(store().tokenByHash("a".repeat(64))).contains(viewer);
        assertThat(store().tokenByHash("c".repeat(64))).isEmpty();
        assertThatThrownBy(() -> store().addToken(new TokenStore.StoredToken("grafana", "admin", "d".repeat(64), T0,
                "x", null))).isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT));
        assertThat(store().tokenByHash("a".repeat(64)).orElseThrow().role()).isEqualTo("viewer");

        store().tokenUsed("grafana", T0.plusSeconds(60));
        store().tokenUsed("grafana", T0.plusSeconds(30)); // an older use never moves "last used" back
        assertThat(store().tokenByHash("a".repeat(64)).orElseThrow().lastUsedAt()).isEqualTo(T0.plusSeconds(60));

        assertThat(store().removeToken("grafana")).isTrue();
        assertThat(store().removeToken("grafana")).isFalse();
        assertThat(store().tokenByHash("a".repeat(64))).isEmpty();
        assertThat(store().tokens()).extracting(TokenStore.StoredToken::name).containsExactly("ci");
    }

    @Test
    void eventsAreFilteredByKindOrFamily() {
        for (String kind : List.of("audit.action", "auditx.y", "audit.refused", "deploy.started", "audit")) {
            store().append(Event.of(T0, "web", null, "a", kind, kind));
        }
        store().append(Event.of(T0, "api", null, "a", "audit.action", "api"));
        assertThat(store().events(null, "audit", 0, null, 100)).extracting(Event::message)
                .containsExactly("audit.action", "audit.refused", "audit", "api");
        assertThat(store().events("web", "audit", 0, null, 2)).extracting(Event::message)
                .containsExactly("audit.action", "audit.refused");
        assertThat(store().events("web", "audit.refused", 0, null, 100)).hasSize(1);
        assertThat(store().events("web", null, 0, null, 100)).hasSize(5);
        assertThat(store().events(null, "audit_", 0, null, 100)).isEmpty(); // '_' is no wildcard
    }
}
