package dev.deployguard.kubernetes.deployment;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The pull Secrets the kubelet would use for a pod: the pod spec's {@code imagePullSecrets}, then its service
 * account's (the ServiceAccount admission plugin adds those to pods that name none), in that order. Only Secrets of
 * the two Docker types are returned, decoded; the content is never logged. A Secret that is missing or cannot be
 * read is left out, as the kubelet pulls without it.
 */
public final class ImagePullSecrets {
    public static final String DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson";
    public static final String DOCKER_CFG = "kubernetes.io/dockercfg";

    /** One Secret's decoded {@code .dockerconfigjson} / {@code .dockercfg}, named {@code namespace/name}. */
    public record Found(String name, String type, byte[] content) {
        @Override
        public String toString() {
            return "Found[" + name + ", " + type + ", content=****]";
        }
    }

    private ImagePullSecrets() {
    }

    public static List<Found> of(KubernetesClient client, String namespace, PodSpec pod) {
        Set<String> names = new LinkedHashSet<>();
        if (pod.getImagePullSecrets() != null) {
            pod.getImagePullSecrets().stream().map(LocalObjectReference::getName).forEach(names::add);
        }
        if (pod.getImagePullSecrets() == null || pod.getImagePullSecrets().isEmpty()) {
            String account = pod.getServiceAccountName() == null ? "default" : pod.getServiceAccountName();
            try {
                ServiceAccount sa = client.serviceAccounts().inNamespace(namespace).withName(account).get();
                if (sa != null && sa.getImagePullSecrets() != null) {
                    sa.getImagePullSecrets().stream().map(LocalObjectReference::getName).forEach(names::add);
                }
            } catch (KubernetesClientException e) {
                // no right to read service accounts: the pod's own list is what there is
            }
        }
        List<Found> found = new ArrayList<>();
        for (String name : names) {
            Secret s;
            try {
                s = client.secrets().inNamespace(namespace).withName(name).get();
            } catch (KubernetesClientException e) {
                continue;
            }
            if (s == null || s.getData() == null) {
                continue;
            }
            String key = DOCKER_CONFIG_JSON.equals(s.getType()) ? ".dockerconfigjson"
                    : DOCKER_CFG.equals(s.getType()) ? ".dockercfg" : null;
            String value = key == null ? null : s.getData().get(key);
            if (value == null) {
                continue;
            }
            try {
                found.add(new Found(namespace + "/" + name, s.getType(), Base64.getDecoder().decode(value.strip())));
            } catch (IllegalArgumentException e) {
                continue; // not base64: the API server would not have stored it
            }
        }
        return found;
    }
}
