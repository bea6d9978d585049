package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.supplychain.testing.CosignSigner;
import dev.deployguard.supplychain.testing.RegistryPair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with images: a real control plane and app processes, a real primary registry and a real pull-through
 * mirror (docker-registry), images pushed with Jib and signed in cosign's layout. The release pins the digest and
 * hands it to the instances; a registry outage falls back to the mirror, then to naming the last known-good
 * release; a tampered signature is refused; a rollback keeps the digest it copies.
 */
class ImageDeployIT {
    @TempDir
    Path dir;
    Harness h;
    RegistryPair registries;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
        if (registries != null) {
            registries.close();
        }
    }

    private void writeSpec() throws IOException {
        registries.signer.writePublicKey(dir.resolve("keys/cosign.pub"));
        Files.writeString(h.spec, """
                apps:
                  demo:
                    platform:
                      local:
                        command: ["%s", "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                                  "-cp", "%s", "dev.deployguard.demo.DemoApp", "--port", "${port}",
                                  "--version", "${version}"]
                        env: {DEMO_BEHAVIOUR: "v9:latencyMs=1", APP_IMAGE: "${image}"}
                        instances: 1
                        listen: "127.0.0.1:%d"
                        readiness: {path: /ready, timeout: 20s, interval: 100ms}
                        stop: {gracePeriod: 3s}
                    image:
                      repository: %s/team/web
                      mirrors: [%s]
                      signature: {publicKey: keys/cosign.pub}
                      timeout: 5s
                """.formatted(Harness.java(), Harness.classPath(), h.listen, registries.primary.host(),
                registries.mirror.host()));
    }

    /**
     * The environment of the newest revision's instance (the previous one is kept warm beside it), read from /proc:
     * what the process really got.
     */
    private String instanceEnv(String name) throws IOException {
        JsonNode newest = null;
        for (JsonNode i : h.ok("status", "demo", "-o", "json").json().path("instances")) {
            if (newest == null || i.path("revision").asInt() > newest.path("revision").asInt()) {
                newest = i;
            }
        }
        assertThat(newest).as("an instance").isNotNull();
        long pid = newest.path("pid").asLong();
        String environ = Files.readString(Path.of("/proc/" + pid + "/environ"), StandardCharsets.UTF_8);
        return Arrays.stream(environ.split("\0")).filter(e -> e.startsWith(name + "=")).findFirst()
                .map(e -> e.substring(name.length() + 1)).orElse(null);
    }

    private List<String> eventKinds() {
        List<String> out = new ArrayList<>();
        h.ok("events", "demo", "-o", "json").json().path("events").forEach(e -> out.add(e.path("kind").asText()));
        return out;
    }

    private static String status(JsonNode report, String check) {
        for (JsonNode r : report.path("results")) {
            if (r.path("name").asText().equals(check)) {
                return r.path("status").asText();
            }
        }
        throw new AssertionError("no check " + check + " in " + report);
    }

    private JsonNode release(int revision) {
        for (JsonNode r : h.ok("history", "demo", "-o", "json").json().path("releases")) {
            if (r.path("revision").asInt() == revision) {
                return r;
            }
        }
        throw new AssertionError("no revision " + revision);
    }

    @Test
    void pinsVerifiesFallsBackToTheMirrorRefusesTamperingAndRollsBackToThePinnedDigest() throws Exception {
        registries = new RegistryPair();
        String host = registries.primary.host();
        String repo = host + "/team/web";
        String v1 = registries.push("1.0");
        registries.signer.signAndPush(host, RegistryPair.PATH, v1);
        String v2 = registries.push("2.0");
        registries.signer.signAndPush(host, RegistryPair.PATH, v2);
        registries.warmMirror("2.0", v2);
        String v3 = registries.push("3.0");
        byte[] payload = CosignSigner.payload(repo, v3);
        String signature = registries.signer.sign(payload);
        payload[payload.length - 2] = 'X';
        CosignSigner.push(host, RegistryPair.PATH, v3, List.of(new CosignSigner.Layer(payload, signature)));

        h = new Harness(dir, "v9:latencyMs=1", 1);
        writeSpec();
        h.startServer();

        // 1. A signed image: resolved on the primary, verified, pinned, handed to the instance.
        h.ok("deploy", "demo", "--version", "1.0");
        assertThat(release(1).path("image").path("digest").asText()).isEqualTo(v1);
        assertThat(release(1).path("image").path("verified").asBoolean()).isTrue();
        assertThat(instanceEnv("DEPLOYGUARD_IMAGE")).isEqualTo(repo + "@" + v1);
        assertThat(instanceEnv("APP_IMAGE")).as("${image} placeholder").isEqualTo(repo + "@" + v1);

        // The checklist sees the same: registry and signature pass on the primary.
        JsonNode ready = h.ok("check", "demo", "-f", h.spec.toString(), "--version", "2.0", "-o", "json").json();
        assertThat(ready.path("verdict").asText()).isEqualTo("READY");
        assertThat(status(ready, "registry")).isEqualTo("PASS");
        assertThat(status(ready, "image.signature")).isEqualTo("PASS");
        System.out.println("checklist with image checks against local registries: " + ready.path("tookMs")
                + " ms: " + ready.path("results").findValuesAsText("name"));

        // 2. Primary down: the mirror serves, the deploy proceeds with the same digest.
        registries.primary.stop();
        JsonNode degraded = h.ok("check", "demo", "-f", h.spec.toString(), "--version", "2.0", "-o", "json").json();
        assertThat(status(degraded, "registry")).isEqualTo("WARN");
        assertThat(degraded.toString()).contains("only on mirror " + registries.mirror.host());
        Harness.Run viaMirror = h.cli("deploy", "demo", "--version", "2.0");
        assertThat(viaMirror.exit()).as(viaMirror.err() + viaMirror.out()).isZero();
        assertThat(release(2).path("image").path("digest").asText()).isEqualTo(v2);
        assertThat(instanceEnv("DEPLOYGUARD_IMAGE")).isEqualTo(repo + "@" + v2);
        assertThat(eventKinds()).contains("image.mirror-used");
        registries.primary.resume();

        // 3. A tampered signature: refused with an event, naming the last known-good release.
        Harness.Run tampered = h.cli("deploy", "demo", "--version", "3.0");
        assertThat(tampered.exit()).isEqualTo(3);
        assertThat(tampered.err()).contains("refused: signature check of " + repo + "@" + v3 + " failed"
                + " (BAD_SIGNATURE)").contains("`deployguard rollback demo --to-revision 2` (release 2, 2.0, " + v2);
        assertThat(eventKinds()).contains("image.refused");
        assertThat(h.get()).isEqualTo("hello from demo 2.0");

        // 4. Every registry down: refused as unreachable (exit 5), pointing at the last known-good release.
        registries.primary.stop();
        registries.mirror.stop();
        Harness.Run down = h.cli("deploy", "demo", "--version", "1.0");
        assertThat(down.exit()).isEqualTo(5);
        assertThat(down.err()).contains("refused: no registry answered for " + repo + ":1.0")
                .contains("`deployguard rollback demo --to-revision 2` (release 2, 2.0, " + v2 + ")");

        // 5. A rollback needs no registry: it runs the digest pinned in the release it copies.
        h.ok("rollback", "demo", "--to-revision", "1");
        assertThat(h.get()).isEqualTo("hello from demo 1.0");
        JsonNode rollback = release(3);
        assertThat(rollback.path("sourceRevision").asInt()).isEqualTo(1);
        assertThat(rollback.path("image").path("digest").asText()).isEqualTo(v1);
        assertThat(instanceEnv("DEPLOYGUARD_IMAGE")).isEqualTo(repo + "@" + v1);
    }
}
