package dev.deployguard.kubernetes.helm;

import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * A kubeconfig (one cluster, user and context) for Helm's own library, written from the fabric8 client's
 * configuration so that helm-java talks to the same API server, as the same user, as DeployGuard does. Certificate
 * files are inlined; the text holds credentials, so it is handed over in memory and never logged or written.
 */
public final class Kubeconfigs {
    private Kubeconfigs() {
    }

    public static String of(Config config) {
        StringBuilder cluster = new StringBuilder("    server: ").append(quote(config.getMasterUrl())).append('\n');
        if (config.isTrustCerts()) {
            cluster.append("    insecure-skip-tls-verify: true\n");
        }
        String ca = data(config.getCaCertData(), config.getCaCertFile());
        if (ca != null && !config.isTrustCerts()) {
            cluster.append("    certificate-authority-data: ").append(ca).append('\n');
        }
        StringBuilder user = new StringBuilder();
        String cert = data(config.getClientCertData(), config.getClientCertFile());
        String key = data(config.getClientKeyData(), config.getClientKeyFile());
        if (cert != null && key != null) {
            user.append("    client-certificate-data: ").append(cert).append('\n');
            user.append("    client-key-data: ").append(key).append('\n');
        }
        // A token set in code is oauthToken; one read from a kubeconfig (or obtained by its exec plugin) is
        // autoOAuthToken.
        String token = config.getOauthToken() != null ? config.getOauthToken() : config.getAutoOAuthToken();
        if (token != null) {
            user.append("    token: ").append(quote(token)).append('\n');
        } else if (config.getUsername() != null) {
            user.append("    username: ").append(quote(config.getUsername())).append('\n');
            user.append("    password: ").append(quote(String.valueOf(config.getPassword()))).append('\n');
        }
        String namespace = config.getNamespace() == null ? "default" : config.getNamespace();
        return "apiVersion: v1\nkind: Config\nclusters:\n- name: deployguard\n  cluster:\n" + cluster
                + "users:\n- name: deployguard\n  user:\n" + (user.isEmpty() ? "    {}\n" : user)
                + "contexts:\n- name: deployguard\n  context:\n    cluster: deployguard\n    user: deployguard\n"
                + "    namespace: " + quote(namespace) + "\ncurrent-context: deployguard\n";
    }

    /** Base64 data as kubeconfig's {@code *-data} fields hold it, from inline data or a file. */
    private static String data(String inline, String file) {
        if (inline != null && !inline.isBlank()) {
            return inline.strip();
        }
        if (file == null || file.isBlank()) {
            return null;
        }
        try {
            return Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " named by the kubeconfig", e);
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
