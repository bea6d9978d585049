package dev.deployguard.cli;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.BackupEvent;
import dev.deployguard.kubernetes.backup.NamespaceBackup;
import dev.deployguard.kubernetes.backup.NamespaceRestore;
import dev.deployguard.spec.Durations;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code deployguard backup namespace create|restore}: a namespace's objects as a Velero-format tarball. */
@Command(name = "namespace", description = "Back up a Kubernetes namespace's objects into a Velero-format tarball,"
        + " and restore one in dependency order.",
        subcommands = {NamespaceBackupCommand.Create.class, NamespaceBackupCommand.Restore.class,
                NamespaceBackupCommand.Verify.class})
final class NamespaceBackupCommand {
    @ParentCommand
    BackupCommand backup;

    /** Which cluster: kubeconfig and context. */
    abstract static class ClusterOptions {
        @ParentCommand
        NamespaceBackupCommand ns;
        @Option(names = "--kubeconfig", description = "Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
        Path kubeconfig;
        @Option(names = "--context", description = "Kubeconfig context (default: its current context)")
        String context;

        KubernetesClient client() {
            Path file = kubeconfig;
            if (file == null) {
                String env = System.getenv("KUBECONFIG");
                file = env != null && !env.isBlank() ? Path.of(env.split(java.io.File.pathSeparator)[0])
                        : Path.of(System.getProperty("user.home"), ".kube", "config");
            }
            if (!Files.isReadable(file)) {
                throw DeployGuardException.badInput("cannot read the kubeconfig " + file + "; give --kubeconfig or"
                        + " set KUBECONFIG");
            }
            return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(context, file.toFile())).build();
        }
    }

    @Command(name = "create", description = "Write every object of the namespace (custom resources and their CRDs"
            + " included, and the admission webhooks served from it) into a Velero-format .tar.gz.")
    static final class Create extends ClusterOptions implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAMESPACE")
        String namespace;
        @Option(names = {"-f", "--file"}, description = "Output file (default: <namespace>-<UTC time>.tar.gz)")
        Path file;
        @Option(names = "--no-verify", description = "Do not restore it into a scratch namespace and compare")
        boolean noVerify;

        @Override
        public Integer call() throws Exception {
            Path out = file != null ? file : Path.of(namespace + "-" + Instant.now().toString().replaceAll("[:.]", "")
                    + ".tar.gz");
            String name = out.getFileName().toString();
            try (KubernetesClient client = client()) {
                NamespaceBackup.Summary summary;
                NamespaceRestore.Verification v = null;
                try {
                    summary = new NamespaceBackup(client).backup(namespace, out);
                    System.out.println("backed up " + summary.total() + " objects of namespace " + namespace
                            + " into " + out.toAbsolutePath() + ": " + summary.objects());
                    if (!noVerify) {
                        v = new NamespaceRestore(client).verify(out, Duration.ofSeconds(60));
                    }
                } catch (IOException e) {
                    event(ns, new BackupEvent("namespace", "create", name, false, namespace, e.getMessage(), 0));
                    throw e;
                } catch (RuntimeException e) {
                    if (BackupEvents.happened(e)) {
                        event(ns, new BackupEvent("namespace", "create", name, false, namespace, e.getMessage(), 0));
                    }
                    throw e;
                }
                event(ns, new BackupEvent("namespace", "create", name, v == null || v.ok(), namespace,
                        summary.total() + " objects" + (v == null ? ", not verified (--no-verify)" : "; "
                                + outcome(v)), v == null ? 0 : v.restoreMillis()));
                return v == null ? 0 : report(v, out);
            }
        }
    }

    static void event(NamespaceBackupCommand ns, BackupEvent e) {
        BackupEvents.record(ns.backup.root, e);
    }

    /** One line: what the scratch restore showed. */
    static String outcome(NamespaceRestore.Verification v) {
        return "scratch restore of " + v.objects() + " objects " + (v.ok() ? "equal" : "differs: "
                + String.join("; ", v.differences()));
    }

    /** Prints a verification; exit 1 when it failed, so a backup that does not verify is never reported completed. */
    static int report(NamespaceRestore.Verification v, Path file) {
        System.out.println((v.ok() ? "COMPLETED: " : "FAILED: ") + file + " restored into scratch namespace "
                + v.scratchNamespace() + " (" + v.objects() + " objects, " + v.restoreMillis() + " ms) and compared"
                + (v.ok() ? ": equal" : ": " + String.join("; ", v.differences()))
                + (v.notRun().isEmpty() ? "" : "; not created there because they would run the app: " + v.notRun())
                + "; the scratch namespace was deleted");
        return v.ok() ? 0 : dev.deployguard.error.ExitCode.FAILURE.code();
    }

    @Command(name = "verify", description = "Restore a namespace backup into a scratch namespace (workloads at zero"
            + " replicas; Pods, Jobs and DaemonSets left out), compare every object with the backup, delete it again.")
    static final class Verify extends ClusterOptions implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Override
        public Integer call() {
            if (!Files.isRegularFile(file)) {
                throw DeployGuardException.notFound("no backup file " + file);
            }
            try (KubernetesClient client = client()) {
                NamespaceRestore.Verification v;
                try {
                    v = new NamespaceRestore(client).verify(file, Duration.ofSeconds(60));
                } catch (RuntimeException e) {
                    // The file exists (checked above): one that cannot be read is a backup that failed to verify.
                    event(ns, new BackupEvent("namespace", "verify", file.getFileName().toString(), false, null,
                            e.getMessage(), 0));
                    throw e;
                }
                event(ns, new BackupEvent("namespace", "verify", file.getFileName().toString(), v.ok(), null,
                        outcome(v), v.restoreMillis()));
                return report(v, file);
            }
        }
    }

    @Command(name = "restore", description = "Restore a Velero-format namespace backup: CRDs first (waited for until"
            + " Established), then namespaces, RBAC, config, the Services and Deployments behind admission webhooks,"
            + " the webhooks, then the rest.")
    static final class Restore extends ClusterOptions implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;
        @Option(names = "--to", paramLabel = "NAMESPACE", description = "Restore into this namespace (default: the one"
                + " it was backed up from)")
        String to;
        @Option(names = "--existing-resource-policy", defaultValue = "none", description = "none (skip objects that"
                + " exist, the default) | update (overwrite them)")
        String existing;
        @Option(names = "--crd-timeout", defaultValue = "60s", description = "How long to wait for the CRDs to be"
                + " Established, all of them together (default: 60s)")
        String crdTimeout;
        @Option(names = "--dry-run", description = "Only list what would be created, skipped or overwritten")
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            NamespaceRestore.ExistingPolicy policy = switch (existing) {
                case "none" -> NamespaceRestore.ExistingPolicy.NONE;
                case "update" -> NamespaceRestore.ExistingPolicy.UPDATE;
                default -> throw DeployGuardException.badInput("--existing-resource-policy: expected none or update,"
                        + " got '" + existing + "'");
            };
            Duration timeout;
            try {
                timeout = Durations.parse(crdTimeout);
            } catch (IllegalArgumentException e) {
                throw DeployGuardException.badInput("--crd-timeout: " + e.getMessage());
            }
            if (!Files.isRegularFile(file)) {
                throw DeployGuardException.notFound("no backup file " + file);
            }
            var options = new NamespaceRestore.Options(to, policy, timeout,
                    "deployguard-" + Instant.now().getEpochSecond());
            try (KubernetesClient client = client()) {
                var restore = new NamespaceRestore(client);
                NamespaceRestore.Plan plan;
                long t0 = System.nanoTime();
                try {
                    plan = dryRun ? restore.plan(file, options) : restore.restore(file, options);
                } catch (RuntimeException e) {
                    if (!dryRun && BackupEvents.happened(e)) {
                        event(ns, new BackupEvent("namespace", "restore", file.getFileName().toString(), false,
                                to, e.getMessage(), 0));
                    }
                    throw e;
                }
                if (!dryRun) {
                    event(ns, new BackupEvent("namespace", "restore", file.getFileName().toString(), true,
                            plan.targetNamespace(), "created " + plan.count(NamespaceRestore.Action.CREATE)
                            + ", overwrote " + plan.count(NamespaceRestore.Action.OVERWRITE) + ", skipped "
                            + plan.count(NamespaceRestore.Action.SKIP), (System.nanoTime() - t0) / 1_000_000));
                }
                var t = new Table("PHASE", "RESOURCE", "NAMESPACE", "NAME", dryRun ? "WOULD" : "DONE", "WHY");
                for (var s : plan.steps()) {
                    t.row(s.phase(), s.resource(), s.namespace() == null ? "" : s.namespace(), s.name(), s.action(),
                            s.reason() == null ? "" : s.reason());
                }
                System.out.print(t);
                System.out.println((dryRun ? "dry run: would create " : "created ")
                        + plan.count(NamespaceRestore.Action.CREATE) + ", overwrite "
                        + plan.count(NamespaceRestore.Action.OVERWRITE) + ", skip "
                        + plan.count(NamespaceRestore.Action.SKIP) + " in namespace " + plan.targetNamespace());
            }
            return 0;
        }
    }
}
