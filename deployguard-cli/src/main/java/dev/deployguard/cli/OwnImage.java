package dev.deployguard.cli;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Port;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.supplychain.registry.DockerConfig;
import dev.deployguard.supplychain.registry.RegistryCredentials;
import dev.deployguard.supplychain.registry.RegistryException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The control plane's own OCI image, built with Jib core from the distribution jar — no Docker daemon: the base
 * image (a Java 17 runtime) plus one layer holding {@code /opt/deployguard/deployguard.jar}, run as user 10001 with
 * {@code java -jar}, port 7420, OCI labels. Pushed to a registry as an OCI manifest (credentials from the Docker
 * config) or written as a tarball in Docker's format, which {@code docker load} and {@code podman load} read.
 */
final class OwnImage {
    static final String JAR_DIR = "/opt/deployguard";
    static final String DEFAULT_BASE = "eclipse-temurin:17-jre";

    /**
     * @param jar      the distribution jar
     * @param base     the base image reference, or {@code scratch} (then the image has no Java: for tests only)
     * @param to       the image reference to push to (and the tarball's name)
     * @param tar      the tarball to write instead of pushing, or null
     * @param insecure allow plain HTTP and unverified TLS registries (loopback registries are plain HTTP anyway)
     */
    record Request(Path jar, String base, String to, Path tar, boolean insecure, Path cache) {
    }

    /** The image built: its reference, manifest digest and image (config) id. */
    record Built(String reference, String digest, String imageId, Set<String> tags) {
    }

    static Built build(Request r) {
        if (!Files.isRegularFile(r.jar())) {
            throw DeployGuardException.badInput("the jar " + r.jar() + " does not exist; build it first: mvn -B"
                    + " -DskipTests package -pl deployguard-cli -am (or ./deployguard --help once)");
        }
        ImageReference target = reference(r.to(), "--to");
        RegistryCredentials credentials = DockerConfig.fromEnvironment();
        try {
            JibContainerBuilder builder = "scratch".equals(r.base()) ? Jib.fromScratch()
                    : Jib.from(withCredentials(reference(r.base(), "--from"), credentials));
            Map<String, String> labels = new LinkedHashMap<>();
            labels.put("org.opencontainers.image.title", "DeployGuard");
            labels.put("org.opencontainers.image.description", "DeployGuard control plane (deployguard server)");
            labels.put("org.opencontainers.image.version", target.getTag().orElse("unknown"));
            labels.put("org.opencontainers.image.base.name", r.base());
            // A tarball in Docker's format loads everywhere (docker load); a registry gets an OCI manifest.
            builder.setFormat(r.tar() != null ? ImageFormat.Docker : ImageFormat.OCI)
                    .addLayer(List.of(r.jar()), AbsoluteUnixPath.get(JAR_DIR))
                    .setEntrypoint("java", "-XX:+UseSerialGC", "-XX:MaxRAMPercentage=75", "-jar",
                            JAR_DIR + "/" + r.jar().getFileName())
                    .setProgramArguments("server")
                    .setUser("10001")
                    .setWorkingDirectory(AbsoluteUnixPath.get(JAR_DIR))
                    .setExposedPorts(Set.of(Port.tcp(7420)))
                    .setEnvironment(Map.of("DEPLOYGUARD_STATE_DIR", "/var/lib/deployguard"))
                    .setLabels(labels);
            Containerizer containerizer = r.tar() != null
                    ? Containerizer.to(TarImage.at(r.tar()).named(target))
                    : Containerizer.to(withCredentials(target, credentials));
            containerizer.setAllowInsecureRegistries(r.insecure() || loopback(target.getRegistry())
                            || !"scratch".equals(r.base()) && loopback(reference(r.base(), "--from").getRegistry()))
                    .setToolName("deployguard")
                    .setApplicationLayersCache(r.cache().resolve("application"))
                    .setBaseImageLayersCache(r.cache().resolve("base"));
            JibContainer c = builder.containerize(containerizer);
            return new Built(target.toString(), c.getDigest().toString(), c.getImageId().toString(), c.getTags());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeployGuardException(ExitCode.FAILURE, "interrupted while building the image");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new DeployGuardException(ExitCode.UNREACHABLE, "building " + target + " failed: "
                    + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": "
                    + cause.getMessage().lines().findFirst().orElse("")) + "; check that the registries answer and"
                    + " that the Docker config has credentials that may pull " + r.base() + " and push " + target);
        } catch (java.io.IOException | com.google.cloud.tools.jib.api.CacheDirectoryCreationException
                 | com.google.cloud.tools.jib.api.RegistryException e) {
            throw new DeployGuardException(ExitCode.FAILURE, "building " + target + " failed: " + e.getMessage());
        }
    }

    static ImageReference reference(String ref, String flag) {
        try {
            return ImageReference.parse(ref);
        } catch (InvalidImageReferenceException e) {
            throw DeployGuardException.badInput(flag + ": '" + ref + "' is not an image reference (e.g."
                    + " registry.example.com/platform/deployguard:0.1.0)");
        }
    }

    /** Jib asks for credentials through this: the same Docker config lookup as DeployGuard's registry client. */
    private static RegistryImage withCredentials(ImageReference ref, RegistryCredentials credentials) {
        String host = ref.getRegistry();
        return RegistryImage.named(ref).addCredentialRetriever(() -> {
            try {
                return credentials.find(host).map(c -> Credential.from(c.username(), c.secret()));
            } catch (RegistryException e) {
                return Optional.empty();
            }
        });
    }

    private static boolean loopback(String registry) {
        return dev.deployguard.spec.ImageSpec.isLoopback(registry);
    }
}
