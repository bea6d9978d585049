package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.spec.Durations;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "status", description = "Show what serves each app: release, instances, routes.")
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    DeployGuard root;
    @Mixin
    Output out;

    @Parameters(index = "0", arity = "0..1", description = "The app (default: all apps)")
    String app;
    @Option(names = {"-w", "--watch"}, description = "While a rollout is in progress, fetch the status again every"
            + " --interval (counted from the start of each fetch: a slower answer shortens the wait, never adds"
            + " to it) and print it when it changed; ends when the rollout does")
    boolean watch;
    @Option(names = "--interval", defaultValue = "1s", paramLabel = "DURATION",
            description = "With --watch: how often to fetch (default: ${DEFAULT-VALUE})")
    String interval;

    @Override
    public Integer call() throws InterruptedException {
        if (watch && app == null) {
            throw DeployGuardException.badInput("--watch needs an app");
        }
        if (watch) {
            return watch(every());
        }
        ApiClient api = root.client();
        JsonNode r = app == null ? api.get("/api/apps") : api.get("/api/apps/" + ApiClient.enc(app) + "/status");
        out.print(r, () -> app == null ? renderAll(r) : render(r));
        return app == null ? 0 : clusterExitCode(r);
    }

    private Duration every() {
        Duration d;
        try {
            d = Durations.parse(interval);
        } catch (IllegalArgumentException e) {
            throw DeployGuardException.badInput("--interval: " + e.getMessage());
        }
        if (d.toMillis() < 100) {
            throw DeployGuardException.badInput("--interval: at least 100ms, got '" + interval + "'");
        }
        return d;
    }

    /** Fetches at a fixed rate from the start of each fetch, so a slow control plane does not stretch the period. */
    private int watch(Duration every) throws InterruptedException {
        ApiClient api = root.client();
        String last = "";
        long next = System.nanoTime();
        while (true) {
            JsonNode r = api.get("/api/apps/" + ApiClient.enc(app) + "/status");
            String now = out.machineReadable() ? (out.format == Output.Format.yaml ? Output.yaml(r) : r + "\n") : render(r);
            if (!now.equals(last)) {
                if (!out.machineReadable()) {
                    System.out.println("--- " + LocalTime.now().withNano(0));
                }
                System.out.print(now);
                System.out.flush();
                last = now;
            }
            JsonNode ro = r.path("rollout");
            if (ro.isNull() || ro.isMissingNode() || ro.path("phase").asText().equals("SUCCEEDED")
                    || ro.path("phase").asText().equals("ROLLED_BACK")) {
                return 0;
            }
            next += every.toNanos();
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } else {
                next = System.nanoTime(); // late: fetch now, and count the period from here
            }
        }
    }

    /** What the store knows was printed; a cluster that could not be read still decides the exit code. */
    static int clusterExitCode(JsonNode status) {
        JsonNode code = status.path("kubernetes").path("exitCode");
        return code.isInt() ? code.asInt() : 0;
    }

    /** One app's status as people read it. */
    static String render(JsonNode status) {
        var buf = new ByteArrayOutputStream();
        try (var o = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            print(o, status);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static String renderAll(JsonNode list) {
        var sb = new StringBuilder();
        for (JsonNode a : list.path("apps")) {
            sb.append(render(a));
        }
        return sb.toString();
    }

    private static void print(PrintStream o, JsonNode s) {
        JsonNode serving = s.path("serving");
        JsonNode k8s = s.path("kubernetes");
        boolean unread = k8s.has("error");
        o.println("app " + s.path("app").asText() + ": " + (serving.isNull() || serving.isMissingNode()
                ? (unread ? "serving unknown (the cluster was not read)" : "nothing serving")
                : unread ? "revision " + serving.path("revision").asInt() + " DEPLOYED according to the store"
                + " (the cluster was not read)"
                : "revision " + serving.path("revision").asInt() + " ("
                + serving.path("version").asText() + ") DEPLOYED " + Output.when(serving.path("createdAt"))));
        if (s.has("error")) {
            o.println("  error: " + s.path("error").asText());
        }
        if ("blueGreen".equals(k8s.path("strategy").asText())) {
            printSlots(o, k8s);
        } else if (k8s.isObject()) {
            o.println("  kubernetes: deployment " + k8s.path("namespace").asText() + "/"
                    + k8s.path("deployment").asText() + ", " + k8s.path("availableReplicas").asInt() + "/"
                    + k8s.path("replicas").asInt() + " available: " + k8s.path("message").asText());
        }
        JsonNode gitops = s.path("gitops");
        if (gitops.path("summary").isTextual()) {
            o.println("  gitops: " + gitops.path("summary").asText());
        }
        JsonNode git = gitops.path("git");
        if (git.isObject()) {
            String state = git.path("state").asText();
            o.println("  git: " + git.path("path").asText() + " on " + git.path("branch").asText() + " of "
                    + git.path("url").asText() + ": " + switch (state) {
                        case "pending" -> "PENDING (git has not caught up with the last rollback): "
                                + git.path("message").asText();
                        case "restored" -> git.path("message").asText();
                        case "failed" -> "FAILED: " + git.path("message").asText();
                        default -> "no restore commit written yet";
                    });
        }
        JsonNode router = s.path("router");
        if (!router.isNull() && !router.isMissingNode()) {
            o.println("  router: " + router.path("listen").asText() + (router.path("alive").asBoolean(true)
                    ? " (pid " + router.path("pid").asLong() + ")" : " (NOT RUNNING: the supervisor restarts it)"));
        }
        JsonNode routes = s.path("routes");
        if (!routes.isNull() && !routes.isMissingNode()) {
            for (JsonNode t : routes.path("tracks")) {
                o.printf("  track %s: revision %d, %.2f%% -> %s%n", t.path("name").asText(),
                        t.path("revision").asInt(), t.path("weightBasisPoints").asInt() / 100.0, t.path("backends"));
            }
        }
        if (!k8s.isObject() || !s.path("instances").isEmpty()) {
            var table = new Table("REVISION", "INSTANCE", "PID", "PORT", "ALIVE", "STARTED");
            for (JsonNode i : s.path("instances")) {
                table.row(i.path("revision").asInt(), i.path("index").asInt(), i.path("pid").asLong(),
                        i.path("port").asInt(), i.path("alive").asBoolean() ? "yes" : "NO",
                        Output.when(i.path("startedAt")));
            }
            o.print(table.toString().indent(2));
        }
        JsonNode ro = s.path("rollout");
        if (!ro.isNull() && !ro.isMissingNode()) {
            o.println("  rollout " + ro.path("id").asLong() + " (" + ro.path("kind").asText() + "): revision "
                    + ro.path("canaryRevision").asInt() + " vs stable " + ro.path("stableRevision").asInt() + ", "
                    + ro.path("phase").asText() + ", step " + (ro.path("stepIndex").asInt() + 1) + ", canary weight "
                    + ro.path("weight").asInt() / 100.0 + "%"
                    + (ro.path("waiting").hasNonNull("text") ? ", waiting for " + ro.path("waiting").path("text")
                    .asText() : ""));
            if (s.hasNonNull("held")) {
                o.println("    held: waiting for " + s.path("held").asText());
            }
            if (!ro.path("lastVerdict").isNull()) {
                o.println("    last verdict: " + ro.path("lastVerdict").asText());
            }
            if (!ro.path("outcome").isNull()) {
                o.println("    outcome: " + ro.path("outcome").asText());
            }
            printMetrics(o, s.path("metrics"));
        }
        JsonNode lock = s.path("lock");
        if (!lock.isNull() && !lock.isMissingNode()) {
            o.println("  busy: " + lock.path("operation").asText() + " by " + lock.path("actor").asText());
        }
    }

    /** Custom metrics of the latest rollout: phase, counters and the latest measurement, as Argo's status shows. */
    private static void printMetrics(PrintStream o, JsonNode metrics) {
        if (!metrics.isArray() || metrics.isEmpty()) {
            return;
        }
        var table = new Table("METRIC", "PHASE", "OK", "FAILED", "INCONCL.", "ERRORS", "LAST");
        for (JsonNode m : metrics) {
            JsonNode all = m.path("measurements");
            JsonNode last = all.isEmpty() ? null : all.get(all.size() - 1);
            String shown = last == null ? "-" : last.path("phase").asText() + (last.path("value").isNull()
                    || last.path("value").isMissingNode() ? "" : " " + last.path("value").asText())
                    + (last.path("message").asText("").isEmpty() ? "" : " (" + last.path("message").asText() + ")");
            table.row(m.path("name").asText() + (m.path("dryRun").asBoolean() ? " (dry run)" : ""),
                    m.path("phase").asText(), m.path("successful").asInt(), m.path("failed").asInt(),
                    m.path("inconclusive").asInt(), m.path("error").asInt(), shown);
        }
        o.println("    metrics:");
        o.print(table.toString().indent(4));
    }

    /** Blue/green on Kubernetes: which slot each Service selects and what each slot runs, as Argo Rollouts shows it. */
    private static void printSlots(PrintStream o, JsonNode k) {
        String ns = k.path("namespace").asText();
        if (k.has("error")) {
            o.println("  kubernetes: blue/green behind Service " + ns + "/" + k.path("service").asText()
                    + "; " + (k.path("reachable").asBoolean(true) ? "the cluster could not be read"
                    : "the cluster is unreachable") + ": " + k.path("error").asText());
            return;
        }
        if (k.path("activeSlot").isNull()) {
            o.println("  kubernetes: blue/green behind Service " + ns + "/" + k.path("service").asText()
                    + ", which selects no slot yet: deployment " + ns + "/" + k.path("deployment").asText()
                    + " serves (the first deploy moves it into slot blue)"
                    + (k.has("replicas") ? ", " + k.path("availableReplicas").asInt() + "/"
                    + k.path("replicas").asInt() + " available: " + k.path("message").asText() : ""));
        } else {
            o.println("  kubernetes: blue/green, Service " + ns + "/" + k.path("service").asText()
                    + " -> slot " + k.path("activeSlot").asText() + " (active), Service " + ns + "/"
                    + k.path("previewService").asText() + " -> "
                    + (k.path("previewSlot").isNull() ? "none" : "slot " + k.path("previewSlot").asText())
                    + " (preview)");
        }
        if (k.path("slots").isEmpty()) {
            return;
        }
        var table = new Table("SLOT", "DEPLOYMENT", "ROLE", "REVISION", "VERSION", "READY", "UP-TO-DATE",
                "AVAILABLE", "IMAGE", "INFO");
        for (JsonNode slot : k.path("slots")) {
            List<String> info = new ArrayList<>();
            if (!slot.path("selectedBy").isEmpty()) {
                List<String> by = new ArrayList<>();
                slot.path("selectedBy").forEach(n -> by.add(n.asText()));
                info.add("selected by " + String.join(", ", by));
            }
            if (!slot.path("scaleDownAt").isNull() && !slot.path("scaleDownAt").isMissingNode()) {
                info.add("scale-down at " + Output.when(slot.path("scaleDownAt")));
            }
            if (!slot.path("rolledOut").asBoolean() && slot.path("replicas").asInt() > 0) {
                info.add("rolling out");
            }
            table.row(slot.path("slot").asText(), slot.path("deployment").asText(), slot.path("role").asText(),
                    slot.path("revision").isNull() ? "?" : slot.path("revision").asText(),
                    slot.path("version").asText(""),
                    slot.path("readyReplicas").asInt() + "/" + slot.path("replicas").asInt(),
                    slot.path("updatedReplicas").asInt(), slot.path("availableReplicas").asInt(),
                    slot.path("image").asText(), String.join("; ", info));
        }
        o.print(table.toString().indent(2));
    }
}
