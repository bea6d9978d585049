package dev.deployguard.kubernetes.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.deployguard.error.DeployGuardException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Helm's own Go code, through helm-java, used offline: {@code helm template} and {@code helm lint} of a chart
 * directory. No cluster is contacted. Calls are serialized: the native library is one per process, and its Go
 * side keeps process-wide settings (environment, registry client) that parallel calls would share.
 */
public final class ChartRenderer {
    private static final Object NATIVE = new Object();

    /**
     * The objects {@code helm template} renders (hooks and NOTES.txt excluded, as in a release's manifest).
     *
     * @throws DeployGuardException BAD_INPUT naming the chart and Helm's error (template line, missing value)
     */
    public String template(Path chart, String release, String namespace, List<Path> valuesFiles) {
        requireChartDir(chart);
        for (Path values : valuesFiles) {
            if (!Files.isReadable(values)) {
                throw DeployGuardException.badInput("Values file " + values + " for chart " + chart
                        + " cannot be read. Check the path in the app's spec.");
            }
        }
        synchronized (NATIVE) {
            TemplateCommand command = new Helm(chart).template().withName(release).withNamespace(namespace);
            for (Path values : valuesFiles) {
                command = command.withValuesFile(values);
            }
            try {
                return command.call();
            } catch (RuntimeException e) {
                throw DeployGuardException.badInput("Chart " + chart + " does not render: " + firstLine(e)
                        + ". Fix the template or supply the value (helm template shows the same error).");
            }
        }
    }

    /** {@code helm lint} of the chart with its own values; messages as helm prints them ({@code [ERROR] ...}). */
    public LintResult lint(Path chart) {
        requireChartDir(chart);
        synchronized (NATIVE) {
            return new Helm(chart).lint().call();
        }
    }

    static void requireChartDir(Path chart) {
        if (!Files.isDirectory(chart) || !Files.isReadable(chart.resolve("Chart.yaml"))) {
            throw DeployGuardException.badInput("Chart directory " + chart + " cannot be read: "
                    + (Files.isDirectory(chart) ? "it has no readable Chart.yaml" : "no such directory")
                    + ". Point the spec at an unpacked chart (the directory holding Chart.yaml).");
        }
    }

    private static String firstLine(RuntimeException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
