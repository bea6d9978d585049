package dev.deployguard.cli;

import dev.deployguard.error.DeployGuardException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the image of the {@code deployguard} container in a Kubernetes manifest to a digest reference, keeping
 * every other line (and comment) as it is: the first {@code image:} line after {@code - name: deployguard}.
 */
final class ManifestPin {
    private static final Pattern CONTAINER = Pattern.compile("^\\s*-\\s*name:\\s*deployguard\\s*$");
    private static final Pattern IMAGE = Pattern.compile("^(\\s*image:\\s*)(\\S+)(\\s*)$");

    private ManifestPin() {
    }

    /** Returns the reference that was there. */
    static String pin(Path manifest, String reference) {
        List<String> lines;
        try {
            lines = new ArrayList<>(Files.readAllLines(manifest));
        } catch (IOException e) {
            throw DeployGuardException.badInput("--pin: cannot read " + manifest + ": " + e.getMessage());
        }
        for (int i = 0; i < lines.size(); i++) {
            if (!CONTAINER.matcher(lines.get(i)).matches()) {
                continue;
            }
            for (int j = i + 1; j < lines.size(); j++) {
                Matcher m = IMAGE.matcher(lines.get(j));
                if (m.matches()) {
                    String before = m.group(2);
                    lines.set(j, m.group(1) + reference + m.group(3));
                    try {
                        Files.write(manifest, lines);
                    } catch (IOException e) {
                        throw DeployGuardException.badInput("--pin: cannot write " + manifest + ": "
                                + e.getMessage());
                    }
                    return before;
                }
            }
        }
        throw DeployGuardException.badInput("--pin: " + manifest + " has no container named deployguard with an"
                + " image: line");
    }
}
