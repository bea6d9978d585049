package dev.deployguard.server.api;

import dev.deployguard.error.ExitCode;
import dev.deployguard.server.health.LoopHealth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code GET /api/health}'s answers (open: load balancers and the CLI's liveness probe carry no token). */
final class HealthApi {
    private HealthApi() {
    }

    /** 200's body: this process and its role (leader or follower). */
    static Map<String, Object> ok(String role) {
        return Map.of("status", "ok", "pid", ProcessHandle.current().pid(), "role", role);
    }

    /** 503's body: which loop is stuck or starved, since when, and what that means for users. */
    static Map<String, Object> unhealthy(List<LoopHealth.Problem> problems) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (LoopHealth.Problem p : problems) {
            list.add(Map.of("loop", p.loop(), "state", p.state(), "since", p.since().toString(), "detail",
                    p.detail()));
        }
        LoopHealth.Problem first = problems.get(0);
        return Map.of("status", "unhealthy", "pid", ProcessHandle.current().pid(), "problems", list, "error",
                "the " + first.loop() + " loop is " + first.state() + " since " + first.since() + ": "
                        + first.detail() + "; crashed instances and routers may not be restarted meanwhile (a"
                        + " thread dump, `jstack " + ProcessHandle.current().pid() + "`, shows where it waits)",
                "exitCode", ExitCode.FAILURE.code());
    }
}
