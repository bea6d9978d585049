package dev.deployguard.spec;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.util.List;

/** The spec cannot be used; each problem names the field path and what was expected. */
public class SpecException extends DeployGuardException {
    private final List<String> problems;

    public SpecException(String source, List<String> problems) {
        super(ExitCode.BAD_INPUT, format(source, problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }

    private static String format(String source, List<String> problems) {
        var sb = new StringBuilder("invalid spec ").append(source).append(':');
        for (String p : problems) {
            sb.append("\n  - ").append(p);
        }
        return sb.toString();
    }
}
