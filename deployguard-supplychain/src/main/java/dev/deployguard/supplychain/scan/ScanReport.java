package dev.deployguard.supplychain.scan;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A scanner report, read: which scanner wrote it, which image digests it names as its target, and its findings.
 *
 * @param file     where it was read from
 * @param format   {@code grype}, {@code trivy} or {@code sarif}
 * @param target   the scanned image as the report names it (e.g. {@code registry/app:1.2}), or null
 * @param digests  the image digests ({@code sha256:...}) the report says it scanned; empty when it names none
 * @param findings what it found
 */
public record ScanReport(Path file, String format, String target, List<String> digests, List<Finding> findings) {
    public ScanReport {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(format, "format");
        digests = List.copyOf(digests);
        findings = List.copyOf(findings);
    }

    /** {@code grype report reports/app.json}. */
    public String label() {
        return format + " report " + file;
    }
}
