package dev.deployguard.kubernetes.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Helm's own Go code, through helm-java, used offline: {@code helm template} and {@code helm lint} of a chart
 * directory. No cluster is contacted. Calls are serialized: the native library is one per process, and its Go
 * side keeps process-wide settings (environment, registry client) that parallel calls would share.
 */
public final class ChartRenderer {
    static final Object NATIVE = new Object();

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
        if (!hasTemplates(chart)) {
            return "";
        }
        synchronized (NATIVE) {
            TemplateCommand command = new Helm(chart).template().withName(release).withNamespace(namespace);
            for (Path values : valuesFiles) {
                command = command.withValuesFile(values);
            }
            try {
                return command.call();
            } catch (RuntimeException e) {
                throw new NotRendered(chart, firstLine(e));
            }
        }
    }

    /** The chart does not render; {@link #helmError()} is Helm's own message (file, line and column included). */
    public static final class NotRendered extends DeployGuardException {
        private final String helmError;

        NotRendered(Path chart, String helmError) {
            super(ExitCode.BAD_INPUT, "Chart " + chart + " does not render: " + helmError
                    + ". Fix the template or supply the value (helm template shows the same error).");
            this.helmError = helmError;
        }

        public String helmError() {
            return helmError;
        }
    }

    /** {@code helm lint} of the chart with its own values; messages as helm prints them ({@code [ERROR] ...}). */
    public LintResult lint(Path chart) {
        requireChartDir(chart);
        synchronized (NATIVE) {
            return new Helm(chart).lint().call();
        }
    }

    /** Whether the chart has any template file (helm-java fails on a chart without, where helm renders nothing). */
    private static boolean hasTemplates(Path chart) {
        Path templates = chart.resolve("templates");
        if (!Files.isDirectory(templates)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(templates)) {
            return files.anyMatch(Files::isRegularFile);
        } catch (IOException e) {
            throw DeployGuardException.badInput("Chart templates in " + templates + " cannot be read: "
                    + e.getMessage() + ".");
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
