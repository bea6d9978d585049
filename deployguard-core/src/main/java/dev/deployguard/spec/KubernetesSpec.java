package dev.deployguard.spec;

/** The app's {@code platform.kubernetes} section: where the app runs on Kubernetes (namespace, Deployment or Helm release, traffic router). Owned by the Kubernetes work (issue 5). */
public record KubernetesSpec() {
}
