package dev.deployguard.supplychain.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Registry credentials from Kubernetes pull Secrets, read as the kubelet reads them (kubernetes/kubernetes
 * {@code pkg/credentialprovider/config.go}): type {@code kubernetes.io/dockerconfigjson} holds a Docker
 * {@code config.json} under {@code .dockerconfigjson} (its {@code auths}), the older {@code kubernetes.io/dockercfg}
 * holds the {@code auths} map itself under {@code .dockercfg}. Secrets are tried in the pod's order; credential
 * helpers named inside a Secret are not run (the kubelet does not run them either). A Secret that cannot be read
 * is skipped for the hosts it cannot serve, and named when nothing else answers for a host.
 */
public final class PullSecrets implements RegistryCredentials {
    public static final String DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson";
    public static final String DOCKER_CFG = "kubernetes.io/dockercfg";

    /**
     * One pull Secret's content.
     *
     * @param name    {@code namespace/name}, for messages
     * @param type    the Secret's type
     * @param content the decoded {@code .dockerconfigjson} or {@code .dockercfg} value
     */
    public record Secret(String name, String type, byte[] content) {
        @Override
        public String toString() {
            return "Secret[" + name + ", " + type + ", content=****]";
        }
    }

    private final List<Secret> secrets;

    public PullSecrets(List<Secret> secrets) {
        this.secrets = List.copyOf(secrets);
    }

    public boolean isEmpty() {
        return secrets.isEmpty();
    }

    @Override
    public Optional<RegistryCredential> find(String host) throws RegistryException {
        List<String> unreadable = new ArrayList<>();
        for (Secret s : secrets) {
            JsonNode auths;
            try {
                JsonNode json = Json.mapper().readTree(s.content());
                auths = json == null ? null : DOCKER_CFG.equals(s.type()) ? json : json.path("auths");
            } catch (IOException e) {
                // Jackson's message may quote the content, which holds secrets: name the Secret only.
                unreadable.add("Secret " + s.name() + " is not JSON");
                continue;
            }
            if (auths == null || !auths.isObject()) {
                continue;
            }
            JsonNode entry = DockerConfig.entry(auths, host);
            if (entry != null) {
                Optional<RegistryCredential> c = DockerConfig.fromAuths(entry, host, "pull Secret " + s.name(),
                        "pull Secret " + s.name());
                if (c.isPresent()) {
                    return c;
                }
            }
        }
        if (!unreadable.isEmpty()) {
            throw new RegistryException(RegistryException.Kind.DENIED, host, String.join("; ", unreadable)
                    + "; fix it: kubectl create secret docker-registry NAME --docker-server=" + host + " ...");
        }
        return Optional.empty();
    }

    /** The pull Secrets first, then {@code fallback} (the control plane's own Docker config). */
    public RegistryCredentials then(RegistryCredentials fallback) {
        return host -> {
            Optional<RegistryCredential> own = find(host);
            return own.isPresent() ? own : fallback.find(host);
        };
    }
}
