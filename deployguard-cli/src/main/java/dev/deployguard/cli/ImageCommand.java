package dev.deployguard.cli;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.cosign.ClassicSigner;
import dev.deployguard.supplychain.registry.DockerConfig;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.registry.RegistryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code deployguard image build}: DeployGuard's own image, from the built jar, signed when a key is given. */
@Command(name = "image", description = "DeployGuard's own container image.", subcommands = ImageCommand.Build.class)
final class ImageCommand {
    /** Builds (Jib, no Docker daemon), pushes or writes a tarball, signs, and pins the Kubernetes manifest. */
    @Command(name = "build", description = "Build the control plane's OCI image from the distribution jar with Jib"
            + " (no Docker daemon) and push it to --to, or write it to --tar; sign it in cosign's classic layout"
            + " with --sign-key; pin deploy/kubernetes/30-deployment.yaml (or a kustomization) to the digest with"
            + " --pin.")
    static final class Build implements Callable<Integer> {
        enum Format { text, json }

        @Option(names = "--to", required = true, description = "The image reference, e.g."
                + " registry.example.com/platform/deployguard:0.1.0 (also the tarball's name)")
        String to;
        @Option(names = "--tar", description = "Write a tarball (docker load) instead of pushing")
        Path tar;
        @Option(names = "--from", defaultValue = OwnImage.DEFAULT_BASE, description = "The Java 17 base image"
                + " (default: ${DEFAULT-VALUE}); scratch builds an image without Java (for tests)")
        String from;
        @Option(names = "--jar", description = "The distribution jar (default: the one running, else"
                + " deployguard-cli/target/deployguard.jar)")
        Path jar;
        @Option(names = "--sign-key", description = "Sign the pushed digest with this PKCS#8 PEM private key (EC,"
                + " RSA or Ed25519); verify with deployguard verify IMAGE@DIGEST --key PUBLIC.pem")
        Path signKey;
        @Option(names = "--pin", description = "Rewrite the deployguard container's image in this manifest to"
                + " REPOSITORY:TAG@DIGEST (e.g. deploy/kubernetes/30-deployment.yaml), or set the images: entry of"
                + " deployguard/deployguard in this kustomization.yaml to REPOSITORY@DIGEST")
        Path pin;
        @Option(names = "--insecure", description = "Allow plain HTTP registries (loopback registries always are)")
        boolean insecure;
        @Option(names = "--cache", description = "Jib's layer cache (default: ~/.cache/deployguard/jib)")
        Path cache;
        @Option(names = {"-o", "--output"}, defaultValue = "text", description = "Output format:"
                + " ${COMPLETION-CANDIDATES}")
        Format format;

        @Override
        public Integer call() throws IOException {
            if (tar != null && signKey != null) {
                throw DeployGuardException.badInput("--sign-key needs a registry (--to without --tar): a signature is"
                        + " stored beside the image in its repository");
            }
            ClassicSigner signer = signKey == null ? null : signer(signKey);
            Path jarFile = jar != null ? jar : runningJar();
            Path layers = cache != null ? cache : Path.of(System.getProperty("user.home"), ".cache", "deployguard",
                    "jib");
            OwnImage.Built built = OwnImage.build(new OwnImage.Request(jarFile.toAbsolutePath(), from, to,
                    tar == null ? null : tar.toAbsolutePath(), insecure, layers));
            String pinned = repository(to) + (tag(to) == null ? "" : ":" + tag(to)) + "@" + built.digest();
            String signature = null;
            if (signer != null) {
                var ref = OwnImage.reference(to, "--to");
                String host = ref.getRegistry();
                String path = ref.getRepository();
                RegistryClient client = new RegistryClient(Duration.ofSeconds(30),
                        h -> insecure || ImageSpec.isLoopback(h), DockerConfig.fromEnvironment());
                try {
                    signature = signer.signAndPush(client, host, path, built.digest());
                } catch (RegistryException e) {
                    throw new DeployGuardException(ExitCode.UNREACHABLE, "pushed " + pinned + " but could not push"
                            + " its signature: " + e.getMessage());
                }
            }
            if (pin != null) {
                ManifestPin.pin(pin, pinned);
            }
            if (format == Format.json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("image", pinned);
                out.put("digest", built.digest());
                out.put("imageId", built.imageId());
                out.put("tar", tar == null ? null : tar.toAbsolutePath().toString());
                out.put("signature", signature);
                out.put("pinned", pin == null ? null : pin.toString());
                System.out.println(Output.pretty(dev.deployguard.json.Json.mapper().valueToTree(out)));
            } else {
                System.out.println((tar == null ? "pushed " : "wrote " + tar + " (" + to + "): ") + pinned);
                if (signature != null) {
                    System.out.println("signed: " + signature + " (verify: deployguard verify " + pinned
                            + " --key PUBLIC.pem)");
                }
                if (pin != null) {
                    System.out.println("pinned " + pin + " to " + pinned);
                }
            }
            return ExitCode.OK.code();
        }

        private static ClassicSigner signer(Path key) {
            try {
                return ClassicSigner.fromPem(key);
            } catch (IllegalArgumentException e) {
                throw DeployGuardException.badInput("--sign-key: " + e.getMessage());
            }
        }

        private static Path runningJar() {
            try {
                Path self = Path.of(DeployGuard.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                if (Files.isRegularFile(self) && self.toString().endsWith(".jar")) {
                    return self;
                }
            } catch (java.net.URISyntaxException | SecurityException e) {
                // fall through to the build's jar
            }
            return Path.of("deployguard-cli", "target", "deployguard.jar");
        }
    }

    /** {@code registry/path} of a reference, without tag or digest. */
    static String repository(String ref) {
        String r = ref.contains("@") ? ref.substring(0, ref.indexOf('@')) : ref;
        int colon = r.lastIndexOf(':');
        return colon > r.lastIndexOf('/') ? r.substring(0, colon) : r;
    }

    static String tag(String ref) {
        String r = ref.contains("@") ? ref.substring(0, ref.indexOf('@')) : ref;
        int colon = r.lastIndexOf(':');
        return colon > r.lastIndexOf('/') ? r.substring(colon + 1) : null;
    }
}
