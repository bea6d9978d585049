package dev.deployguard.bench.checklist;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.ChecklistReport;
import dev.deployguard.json.Json;
import dev.deployguard.local.process.Ports;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.server.check.ChecklistFactory;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.ChecksSpec;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.spec.LocalPlatformSpec;
import dev.deployguard.spec.StopSignal;
import dev.deployguard.store.PostgresServer;
import dev.deployguard.supplychain.testing.DockerRegistry;
import dev.deployguard.supplychain.testing.RegistryPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.flywaydb.core.Flyway;

/**
 * {@code bench/run checklist [--quick] [--runs N] [--json]}: the wall time of one app's whole pre-deployment checklist,
 * built as {@code deploy} builds it, against local services: the local checks, a real OCI registry (Debian's
 * docker-registry with a mirror) holding a cosign-signed image for the registry and signature checks, a Grype report
 * for the vulnerability gate, and a real PostgreSQL with a Flyway history for the migration check. Prints one JSON
 * document: p50 and max over the runs (target: under 5 s), and each check's p50. Services that are not installed are
 * left out and named in the output.
 */
public final class ChecklistBench {
    private static final Duration TARGET = Duration.ofSeconds(5);

    private ChecklistBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = 20;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> runs = 5;
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--json" -> {
                    // JSON is what every benchmark prints; accepted for symmetry with the docs.
                }
                default -> {
                    System.err.println("usage: bench/run checklist [--quick] [--runs N] [--json]");
                    System.exit(2);
                }
            }
        }
        Path dir = Files.createTempDirectory("dg-checklist-bench");
        List<String> missing = new ArrayList<>();
        RegistryPair registry = null;
        PostgresServer pg = null;
        try {
            ImageSpec image = null;
            ChecksSpec.Vulnerabilities vulnerabilities = null;
            if (Files.isExecutable(DockerRegistry.BINARY)) {
                registry = new RegistryPair();
                Path key = registry.signer.writePublicKey(dir.resolve("cosign.pub"));
                String digest = registry.push("1.0.0");
                registry.signer.signAndPush(registry.primary.host(), RegistryPair.PATH, digest);
                image = registry.image(key, ImageSpec.LastKnownGood.OFFER);
                Path report = dir.resolve("grype-1.0.0.json");
                Files.writeString(report, grype(registry.primary.host() + "/" + RegistryPair.PATH, digest));
                vulnerabilities = new ChecksSpec.Vulnerabilities(List.of(dir.resolve("grype-${version}.json")
                        .toString()), "high", List.of(new ChecksSpec.AllowlistEntry("CVE-2024-0001",
                        LocalDate.now().plusDays(30), "benchmark entry")));
            } else {
                missing.add("registry, image.signature, vulnerabilities: " + DockerRegistry.BINARY + " not installed");
            }
            ChecksSpec.Migrations migrations = null;
            try {
                pg = PostgresServer.start();
                Flyway.configure().dataSource(pg.url(), "postgres", "")
                        .locations("filesystem:" + migrations(dir)).load().migrate();
                migrations = new ChecksSpec.Migrations(pg.url(), "BENCH_DB_USER", null,
                        ChecksSpec.DEFAULT_MIGRATIONS_TABLE);
            } catch (IllegalStateException e) {
                missing.add("migrations: " + e.getMessage().lines().findFirst().orElse(""));
            }
            AppSpec app = app(dir, image, vulnerabilities, migrations);
            var factory = new ChecklistFactory(dir.resolve("state"), Map.of("PATH", System.getenv()
                    .getOrDefault("PATH", "/usr/bin:/bin"), "BENCH_DB_USER", "postgres"), Clock.systemUTC());
            factory.run(app, "1.0.0"); // warm-up: class loading and first connections are not what a deploy pays twice
            List<ChecklistReport> reports = new ArrayList<>();
            long[] wall = new long[runs];
            for (int i = 0; i < runs; i++) {
                // Wall time as deploy pays it: digest resolution, then every check in parallel.
                long t0 = System.nanoTime();
                reports.add(factory.run(app, "1.0.0"));
                wall[i] = Duration.ofNanos(System.nanoTime() - t0).toMillis();
                System.err.println("checklist run " + (i + 1) + "/" + runs + ": " + wall[i] + " ms");
            }
            System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(
                    summary(wall, reports, missing)));
        } finally {
            if (pg != null) {
                pg.close();
            }
            if (registry != null) {
                registry.close();
            }
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static AppSpec app(Path dir, ImageSpec image, ChecksSpec.Vulnerabilities vulnerabilities,
                               ChecksSpec.Migrations migrations) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var listen = new LocalPlatformSpec.ListenAddress("127.0.0.1", Ports.freeLoopbackPort());
        var local = new LocalPlatformSpec(List.of(java, "-version", "${port}"), Map.of(), 1, dir, listen,
                new LocalPlatformSpec.Readiness("/", Duration.ofSeconds(30), Duration.ofMillis(250)),
                new LocalPlatformSpec.Stop(StopSignal.TERM, Duration.ofSeconds(5)), false);
        var checks = new ChecksSpec(ChecksSpec.DEFAULT_TIMEOUT, Set.of(), vulnerabilities, migrations, null,
                new ChecksSpec.Disk(ChecksSpec.DEFAULT_MIN_FREE_BYTES));
        return new AppSpec("bench", local, new Strategy.Replace(), image, checks, null, null, null);
    }

    private static Path migrations(Path dir) throws java.io.IOException {
        Path m = Files.createDirectories(dir.resolve("migrations"));
        Files.writeString(m.resolve("V1__orders.sql"), "CREATE TABLE orders (id BIGINT PRIMARY KEY, total NUMERIC);\n");
        Files.writeString(m.resolve("V2__customers.sql"), "CREATE TABLE customers (id BIGINT PRIMARY KEY);\n");
        return m;
    }

    /** A clean Grype report for the image, tied to its digest. */
    private static String grype(String repository, String digest) {
        return """
                {"matches": [],
                 "source": {"type": "image", "target": {"userInput": "%s:1.0.0", "manifestDigest": "%s",
                   "repoDigests": ["%s@%s"], "tags": [], "layers": []}},
                 "descriptor": {"name": "grype", "version": "0.80.0"}}
                """.formatted(repository, digest, repository, digest);
    }

    private static ObjectNode summary(long[] wallMs, List<ChecklistReport> reports, List<String> missing) {
        long[] wall = wallMs.clone();
        Arrays.sort(wall);
        long[] checklist = reports.stream().mapToLong(r -> r.took().toMillis()).sorted().toArray();
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("benchmark", "checklist");
        root.put("runs", reports.size());
        root.put("wallMsP50", percentile(wall, 50));
        root.put("wallMsMax", wall[wall.length - 1]);
        root.put("targetMs", TARGET.toMillis());
        root.put("withinTarget", wall[wall.length - 1] < TARGET.toMillis());
        root.put("checksOnlyMsP50", percentile(checklist, 50));
        root.put("checksOnlyMsMax", checklist[checklist.length - 1]);
        ChecklistReport last = reports.get(reports.size() - 1);
        root.put("verdict", last.verdict().name());
        Map<String, List<Long>> perCheck = new LinkedHashMap<>();
        for (ChecklistReport r : reports) {
            for (CheckResult c : r.results()) {
                perCheck.computeIfAbsent(c.name(), k -> new ArrayList<>()).add(c.took().toMillis());
            }
        }
        ObjectNode checks = root.putObject("checks");
        perCheck.forEach((name, times) -> {
            long[] t = times.stream().mapToLong(Long::longValue).sorted().toArray();
            ObjectNode n = checks.putObject(name);
            n.put("status", last.results().stream().filter(c -> c.name().equals(name)).findFirst()
                    .map(c -> c.status().name()).orElse(""));
            n.put("msP50", percentile(t, 50));
            n.put("msMax", t[t.length - 1]);
        });
        root.set("notMeasured", Json.mapper().valueToTree(missing));
        root.put("cpus", Runtime.getRuntime().availableProcessors());
        return root;
    }

    private static long percentile(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
