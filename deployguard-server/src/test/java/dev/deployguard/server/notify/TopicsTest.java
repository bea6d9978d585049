package dev.deployguard.server.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TopicsTest {
    private static Event of(String kind) {
        return Event.of(Instant.EPOCH, "web", null, "alice", kind, "m");
    }

    @Test
    void whetherGitCaughtUpWithARollbackIsPartOfTheRollbackTopic() {
        assertThat(Topics.of(of(EventKinds.GITOPS_GIT_PENDING))).contains("rollback");
        assertThat(Topics.of(of(EventKinds.GITOPS_GIT_RESTORED))).contains("rollback");
        assertThat(Topics.of(of(EventKinds.GITOPS_GIT_FAILED))).contains("rollback");
        assertThat(Topics.of(of(EventKinds.INSTANCE_STARTED))).isEmpty();
    }
}
