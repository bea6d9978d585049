package dev.deployguard.cli;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.supplychain.mirror.HostsToml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code deployguard mirrors hosts-toml APP}: the nodes' side of an image's registry mirrors. */
@Command(name = "mirrors", description = "Registry mirrors on the nodes: containerd configuration generated from an"
        + " app's image section.", subcommands = MirrorsCommand.HostsTomlCommand.class)
final class MirrorsCommand {
    /** Prints (or writes under --out) containerd's hosts.toml for the app's registry and mirrors. */
    @Command(name = "hosts-toml", description = "containerd's hosts.toml for the app's image registry: its mirrors in"
            + " order with pull-only capabilities, then the registry; printed, or written to"
            + " DIR/<registry>/hosts.toml with --out (install under /etc/containerd/certs.d).")
    static final class HostsTomlCommand implements Callable<Integer> {
        @Parameters(index = "0", description = "The app, as named in the spec")
        String app;
        @Option(names = {"-f", "--file"}, defaultValue = "deployguard.yaml", description = "The spec (default:"
                + " ${DEFAULT-VALUE})")
        Path file;
        @Option(names = "--out", description = "Write DIR/<registry>/hosts.toml instead of printing it")
        Path out;

        @Override
        public Integer call() {
            AppSpec spec = new SpecSource(file).app(app);
            if (spec.image() == null) {
                throw DeployGuardException.badInput("app " + app + " has no image section: there is no registry to"
                        + " configure mirrors for");
            }
            String toml = HostsToml.render(app, spec.image());
            if (out == null) {
                System.out.print(toml);
                return ExitCode.OK.code();
            }
            Path target = out.resolve(HostsToml.directory(spec.image())).resolve("hosts.toml");
            try {
                Files.createDirectories(target.getParent());
                Files.writeString(target, toml);
            } catch (IOException e) {
                throw DeployGuardException.badInput("cannot write " + target + ": " + e.getMessage());
            }
            System.out.println("wrote " + target + " (" + spec.image().mirrors().size() + " mirror(s)); install it as "
                    + HostsToml.CERTS_D + "/" + HostsToml.directory(spec.image()) + "/hosts.toml on each node");
            return ExitCode.OK.code();
        }
    }
}
