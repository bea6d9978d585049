package dev.deployguard.kubernetes.client;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.spec.KubernetesSpec;
import io.fabric8.kubernetes.api.model.Config;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Opens a fabric8 client for an app's {@code platform.kubernetes} section from a kubeconfig file, the way kubectl
 * picks it: the spec's {@code kubeconfig}, else {@code KUBECONFIG}, else {@code ~/.kube/config}; the spec's context,
 * else the file's current context. A missing file or context is bad input, named with what to do.
 */
public final class KubeClients {
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final int REQUEST_TIMEOUT_MILLIS = 30_000;

    private KubeClients() {
    }

    /** A client bound to the spec's namespace; the caller closes it. */
    public static KubernetesClient open(KubernetesSpec spec) {
        return open(spec, System.getenv());
    }

    static KubernetesClient open(KubernetesSpec spec, Map<String, String> env) {
        Path file = kubeconfigFile(spec, env);
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw DeployGuardException.badInput("cannot read the kubeconfig " + file + " (" + e.getClass()
                    .getSimpleName() + "); set platform.kubernetes.kubeconfig or KUBECONFIG to a readable file,"
                    + " e.g. the one 'kind create cluster' or 'minikube start' writes");
        }
        Config parsed;
        try {
            parsed = KubeConfigUtils.parseConfigFromString(text);
        } catch (RuntimeException e) {
            throw DeployGuardException.badInput(file + " is not a kubeconfig file: " + e.getMessage());
        }
        if (spec.context() != null && parsed.getContexts().stream().map(NamedContext::getName)
                .noneMatch(spec.context()::equals)) {
            throw DeployGuardException.badInput("kubeconfig " + file + " has no context '" + spec.context()
                    + "'; contexts there: " + parsed.getContexts().stream().map(NamedContext::getName)
                    .collect(Collectors.joining(", ")) + " (see 'kubectl config get-contexts')");
        }
        if (spec.context() == null && (parsed.getCurrentContext() == null || parsed.getCurrentContext().isEmpty())) {
            throw DeployGuardException.badInput("kubeconfig " + file + " has no current-context; set"
                    + " platform.kubernetes.context or run 'kubectl config use-context NAME'");
        }
        io.fabric8.kubernetes.client.Config config = io.fabric8.kubernetes.client.Config.fromKubeconfig(
                spec.context(), file.toFile());
        config.setNamespace(spec.namespace());
        config.setConnectionTimeout(CONNECT_TIMEOUT_MILLIS);
        config.setRequestTimeout(REQUEST_TIMEOUT_MILLIS);
        config.setRequestRetryBackoffLimit(1);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /**
     * The kubeconfig text kubectl would use for this spec, for Helm's own library: the file itself when the spec
     * names no context (so exec plugins and auth providers work as for helm), else null (the caller writes one from
     * the client's configuration).
     */
    public static String kubeconfigTextForHelm(KubernetesSpec spec) {
        if (spec.context() != null) {
            return null;
        }
        Path file = kubeconfigFile(spec, System.getenv());
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw DeployGuardException.badInput("cannot read the kubeconfig " + file + " (" + e.getClass()
                    .getSimpleName() + ")");
        }
    }

    /** The kubeconfig file kubectl would use for this spec. */
    static Path kubeconfigFile(KubernetesSpec spec, Map<String, String> env) {
        if (spec.kubeconfig() != null) {
            return requireFile(spec.kubeconfig(), "platform.kubernetes.kubeconfig");
        }
        String fromEnv = env.get("KUBECONFIG");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return requireFile(Path.of(fromEnv.split(File.pathSeparator)[0]), "KUBECONFIG");
        }
        return requireFile(Path.of(System.getProperty("user.home"), ".kube", "config"), "~/.kube/config");
    }

    private static Path requireFile(Path file, String from) {
        if (!Files.isRegularFile(file)) {
            throw new DeployGuardException(ExitCode.BAD_INPUT, "no kubeconfig at " + file + " (from " + from
                    + "); point platform.kubernetes.kubeconfig or KUBECONFIG at your cluster's kubeconfig, e.g. the"
                    + " one 'kind create cluster' or 'minikube start' writes");
        }
        return file;
    }
}
