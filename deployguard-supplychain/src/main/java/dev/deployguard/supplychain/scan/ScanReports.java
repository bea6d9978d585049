package dev.deployguard.supplychain.scan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a scanner report of any supported format, telling the format from the document's shape. */
public final class ScanReports {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ScanReports() {
    }

    /**
     * Reads a Grype JSON, Trivy JSON or SARIF 2.1.0 report.
     *
     * @throws UnreadableReportException when the file is missing, not JSON, of no known format, or malformed
     */
    public static ScanReport read(Path file) throws UnreadableReportException {
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new UnreadableReportException("scanner report " + file + " does not exist", e);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new UnreadableReportException("scanner report " + file + " is not valid JSON"
                    + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
                    + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UnreadableReportException("scanner report " + file + " cannot be read: " + e, e);
        }
        if (root == null || root.isMissingNode()) {
            throw new UnreadableReportException("scanner report " + file + " is empty");
        }
        return parse(file, root);
    }

    /**
     * Reads a report already parsed as JSON (e.g. the {@code scanner.result} of an attached vulnerability
     * attestation); {@code source} names where it came from in messages.
     *
     * @throws UnreadableReportException when it is of no known format, or malformed
     */
    public static ScanReport parse(Path source, JsonNode root) throws UnreadableReportException {
        Path file = source;
        if (root == null || !root.isObject()) {
            throw new UnreadableReportException("scanner report " + file + " is not a JSON object");
        }
        if (GrypeReport.looksLike(root)) {
            return GrypeReport.read(file, root);
        }
        if (TrivyReport.looksLike(root)) {
            return TrivyReport.read(file, root);
        }
        if (SarifReport.looksLike(root)) {
            return SarifReport.read(file, root);
        }
        throw new UnreadableReportException("scanner report " + file + " is not a Grype JSON, Trivy JSON or SARIF"
                + " 2.1.0 report (expected a top-level 'matches' and 'source', 'SchemaVersion' and 'Results', or"
                + " 'version' and 'runs')");
    }
}
