package dev.deployguard.server.deploy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.Spec;
import dev.deployguard.spec.SpecParser;
import java.nio.file.Path;
import java.util.function.Supplier;

/** Reads the spec afresh for each operation, so an edit applies to the next deploy and a broken file stops it. */
public final class SpecSource implements Supplier<Spec> {
    private final Path file;
    private final SpecParser parser = new SpecParser();

    public SpecSource(Path file) {
        this.file = file;
    }

    @Override
    public Spec get() {
        return parser.parse(file);
    }

    public Path file() {
        return file;
    }

    public AppSpec app(String name) {
        Spec spec = get();
        return spec.app(name).orElseThrow(() -> DeployGuardException.notFound("unknown app '" + name + "'; "
                + file + " declares: " + String.join(", ", spec.apps().keySet())));
    }
}
