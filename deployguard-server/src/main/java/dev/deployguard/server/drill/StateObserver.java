package dev.deployguard.server.drill;

import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.spec.DrillSpec;
import dev.deployguard.spec.LocalPlatformSpec;
import dev.deployguard.store.Store;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** Records an app's {@link ObservedState}: from the store, the platform, and probe requests through the router. */
final class StateObserver {
    static final String READY = "instances.ready";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final Store store;
    private final LocalPlatform platform;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).build();

    StateObserver(Store store, LocalPlatform platform) {
        this.store = store;
        this.platform = platform;
    }

    ObservedState observe(String app, LocalPlatformSpec local, List<DrillSpec.Probe> probes) {
        Map<String, String> f = new LinkedHashMap<>();
        Optional<Release> serving = serving(app);
        f.put("release.version", serving.map(Release::version).orElse("(none serving)"));
        f.put("release.content", serving.map(r -> "revision " + origin(r)).orElse("(none)"));
        f.put("release.artifact", serving.map(r -> String.join(" ", r.command()).replace("${version}", r.version()))
                .orElse("(none)"));
        f.put("release.image", serving.map(r -> r.image() == null ? "(no image section)"
                : r.image().repository() + "@" + r.image().digest()).orElse("(none)"));
        f.put("release.configHash", serving.map(Release::configHash).orElse("(none)"));
        f.put("release.instances", serving.map(r -> Integer.toString(r.instances())).orElse("0"));
        List<Instance> instances = serving.map(r -> store.instances(app).stream()
                .filter(i -> i.revision() == r.revision()).toList()).orElse(List.of());
        long alive = instances.stream().filter(platform::isAlive).count();
        long ready = instances.stream().filter(i -> platform.isAlive(i)
                && platform.probe(i, local.readiness().path(), Duration.ofSeconds(2))).count();
        f.put("instances.running", Long.toString(alive));
        f.put(READY, ready + "/" + instances.size());
        f.put("routes", store.routes(app).map(t -> weights(t, serving.map(Release::revision).orElse(-1)))
                .orElse("(no route table)"));
        for (DrillSpec.Probe p : probes) {
            Answer a = probe(local.listen(), p.path());
            f.put(probeField(p, "status"), a.status());
            f.put(probeField(p, "bodySha256"), a.bodySha256());
        }
        return new ObservedState(f);
    }

    static String probeField(DrillSpec.Probe p, String what) {
        return "probe GET " + p.path() + " " + what;
    }

    /** The status a probe answered, or null when it did not answer. */
    static Integer status(ObservedState s, DrillSpec.Probe p) {
        try {
            return Integer.valueOf(s.fields().get(probeField(p, "status")));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Optional<Release> serving(String app) {
        return store.history(app).stream().filter(r -> r.status() == ReleaseStatus.DEPLOYED).reduce((a, b) -> b);
    }

    /** The revision a release's content comes from, following rollback copies back to the original. */
    private int origin(Release r) {
        Release at = r;
        for (int hops = 0; at.sourceRevision() != null && hops < 1000; hops++) {
            Optional<Release> src = store.release(at.app(), at.sourceRevision());
            if (src.isEmpty()) {
                return at.sourceRevision();
            }
            at = src.get();
        }
        return at.revision();
    }

    /** Weights per track, the serving revision named "serving" so that a copy compares equal to its original. */
    private static String weights(RouteTable t, int servingRevision) {
        return t.tracks().stream().map((Track k) -> (k.revision() == servingRevision ? "serving" : "revision "
                + k.revision()) + "=" + k.weightBasisPoints() / 100.0 + "% on " + k.backends().size() + " backend(s)")
                .collect(Collectors.joining(", "));
    }

    private record Answer(String status, String bodySha256) {
    }

    private Answer probe(LocalPlatformSpec.ListenAddress listen, String path) {
        String host = listen.host().contains(":") ? "[" + listen.host() + "]" : listen.host();
        if (host.equals("0.0.0.0")) {
            host = "127.0.0.1";
        }
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":"
                    + listen.port() + path)).timeout(PROBE_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(Integer.toString(r.statusCode()), sha256(r.body()));
        } catch (IOException | IllegalArgumentException e) {
            return new Answer("no answer (" + e.getClass().getSimpleName() + ")", "-");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer("interrupted", "-");
        }
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
