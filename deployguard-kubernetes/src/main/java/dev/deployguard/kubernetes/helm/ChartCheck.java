package dev.deployguard.kubernetes.helm;

import com.marcnuri.helm.LintResult;
import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckNames;
import dev.deployguard.check.CheckResult;
import dev.deployguard.error.DeployGuardException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code chart} check: is this Helm chart, with these values, deployable? {@code helm lint} (errors fail,
 * warnings warn), {@code helm template} with the values files (a template or missing-value error fails, naming
 * file and line), schema validation of every rendered object against the Kubernetes API types (unknown fields,
 * wrong types, missing required fields fail, naming object and field) and, when a cluster is configured, a
 * server-side dry-run of each object. All but the dry-run run offline through Helm's own code (helm-java).
 * A chart or values file that cannot be read is ERROR ("cannot tell"), as is a cluster that cannot be asked.
 */
public final class ChartCheck implements Check {
    /** helm's located messages: {@code templates/: parse error at (web/templates/x.yaml:16): unexpected ...}. */
    private static final Pattern LOCATED =
            Pattern.compile("^(?:\\S*: )?(.*?) at \\(([^()]+?:\\d+(?::\\d+)?)\\): (.*)$", Pattern.DOTALL);
    private static final Pattern LEVEL = Pattern.compile("^\\[(ERROR|WARNING|INFO)] (.*)$", Pattern.DOTALL);

    private final Path chart;
    private final List<Path> valuesFiles;
    private final KubernetesClient client;
    private final String namespace;
    private final ChartRenderer renderer = new ChartRenderer();
    private final ObjectSchema schema = new ObjectSchema();

    /** Offline: lint, template and schema validation. */
    public ChartCheck(Path chart, List<Path> valuesFiles) {
        this(chart, valuesFiles, null, null);
    }

    /**
     * With a cluster: also a server-side dry-run of each rendered object.
     *
     * @param client    the cluster to ask, or null for offline only
     * @param namespace where the release goes (also {@code .Release.Namespace} in templates); null means default
     */
    public ChartCheck(Path chart, List<Path> valuesFiles, KubernetesClient client, String namespace) {
        this.chart = chart;
        this.valuesFiles = List.copyOf(valuesFiles);
        this.client = client;
        this.namespace = namespace == null ? "default" : namespace;
    }

    @Override
    public String name() {
        return CheckNames.CHART;
    }

    @Override
    public CheckResult run(CheckContext context) {
        long started = System.nanoTime();
        return verdict(context).withTook(Duration.ofNanos(System.nanoTime() - started));
    }

    private CheckResult verdict(CheckContext context) {
        if (!Files.isDirectory(chart) || !Files.isReadable(chart.resolve("Chart.yaml"))) {
            return CheckResult.error(name(), "Chart directory " + chart + " cannot be read ("
                            + (Files.isDirectory(chart) ? "no readable Chart.yaml in it" : "no such directory") + ").",
                    "Point the app's chart at an unpacked chart directory (the one holding Chart.yaml) that "
                            + "DeployGuard can read.");
        }
        for (Path values : valuesFiles) {
            if (!Files.isReadable(values)) {
                return CheckResult.error(name(), "Values file " + values + " for chart " + chart
                        + " cannot be read.", "Fix the values file path in the app's spec.");
            }
        }
        LintResult lint = renderer.lint(chart);
        List<String> lintErrors = new ArrayList<>();
        List<String> lintWarnings = new ArrayList<>();
        for (String message : lint.getMessages()) {
            Matcher m = LEVEL.matcher(message.strip());
            String level = m.matches() ? m.group(1) : "ERROR";
            String text = located(m.matches() ? m.group(2) : message.strip());
            if (level.equals("ERROR")) {
                lintErrors.add(text);
            } else if (level.equals("WARNING")) {
                lintWarnings.add(text);
            }
        }
        if (lint.isFailed() || !lintErrors.isEmpty()) {
            return CheckResult.fail(name(), "helm lint found " + lintErrors.size() + " error(s) in chart " + chart
                            + ": " + String.join("; ", lintErrors),
                    "Fix the chart, then run helm lint " + chart + " until it reports no errors.")
                    .withData(Map.of("lintErrors", lintErrors));
        }
        String release = releaseName(context);
        String manifest;
        try {
            manifest = renderer.template(chart, release, namespace, valuesFiles);
        } catch (ChartRenderer.NotRendered e) {
            return CheckResult.fail(name(), "helm template of chart " + chart + valuesText() + " failed: "
                            + located(e.helmError()),
                    "Fix the template at that line, or supply the missing value in a values file.");
        }
        ObjectSchema.Findings findings = schema.validate(manifest);
        if (!findings.problems().isEmpty()) {
            return CheckResult.fail(name(), findings.problems().size() + " schema problem(s) in the objects chart "
                            + chart + " renders" + valuesText() + ": " + String.join("; ", findings.problems()),
                    "Make the rendered objects match the Kubernetes API (field names and types as kubectl "
                            + "explain shows them); check the template and the values it uses.")
                    .withData(Map.of("schemaProblems", findings.problems()));
        }
        String evidence = "helm lint: no errors" + (lintWarnings.isEmpty() ? "" : ", " + lintWarnings.size()
                + " warning(s): " + String.join("; ", lintWarnings)) + ". helm template" + valuesText()
                + " rendered " + findings.checked() + " object(s) that match the Kubernetes schema"
                + (findings.notChecked().isEmpty() ? "" : " and " + findings.notChecked().size()
                + " of kinds without a built-in schema, not checked (" + String.join(", ", findings.notChecked())
                + ")") + ".";
        if (client != null) {
            CheckResult dryRun = dryRun(manifest, release, evidence);
            if (dryRun != null) {
                return dryRun;
            }
            evidence += " The API server accepted all of them in a server-side dry-run in namespace " + namespace
                    + ".";
        }
        Map<String, Object> data = Map.of("objects", findings.checked(), "lintWarnings", lintWarnings);
        return (lintWarnings.isEmpty() ? CheckResult.pass(name(), evidence)
                : CheckResult.warn(name(), evidence, "Consider fixing helm lint's warnings.")).withData(data);
    }

    /** A FAIL or ERROR from the server-side dry-run, or null when the API server accepted every object. */
    private CheckResult dryRun(String manifest, String release, String offlineEvidence) {
        List<HasMetadata> objects = ReleaseManifest.objects(manifest, client.getKubernetesSerialization(),
                "release " + release);
        List<String> rejected = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o.getMetadata().getNamespace() == null) {
                o.getMetadata().setNamespace(namespace);
            }
            try {
                client.resource(o).dryRun().createOr(NonDeletingOperation::update);
            } catch (KubernetesClientException e) {
                if (e.getCode() == 400 || e.getCode() == 422) {
                    rejected.add(ReleaseManifest.describe(o) + ": " + (e.getStatus() != null
                            && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage()));
                    continue;
                }
                DeployGuardException why = ApiFailures.onObject(e, "create", o, namespace, client);
                return CheckResult.error(name(), offlineEvidence + " The server-side dry-run could not be done: "
                        + why.getMessage(), "Make the cluster reachable and allow DeployGuard to create these "
                        + "objects (dry-run needs the same permissions), or run the check offline.");
            }
        }
        if (rejected.isEmpty()) {
            return null;
        }
        return CheckResult.fail(name(), "The API server rejected " + rejected.size() + " object(s) in a server-side "
                        + "dry-run in namespace " + namespace + ": " + String.join("; ", rejected),
                "Fix the objects as the API server says (admission policies and validation run only there).");
    }

    private String valuesText() {
        return valuesFiles.isEmpty() ? "" : " with values " + valuesFiles;
    }

    /** helm's message with the file:line first when it names one ({@code web/templates/x.yaml:16: parse error: ...}). */
    static String located(String message) {
        Matcher m = LOCATED.matcher(message);
        return m.matches() ? m.group(2) + ": " + m.group(1) + ": " + m.group(3) : message;
    }

    /** The app's name as a release name (helm's rules: lower case, at most 53 characters). */
    private static String releaseName(CheckContext context) {
        String name = context == null || context.app() == null || context.app().name() == null ? "release"
                : context.app().name().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
        name = name.replaceAll("^[^a-z0-9]+|[^a-z0-9]+$", "");
        if (name.length() > 53) {
            name = name.substring(0, 53).replaceAll("[^a-z0-9]+$", "");
        }
        return name.isEmpty() ? "release" : name;
    }
}
