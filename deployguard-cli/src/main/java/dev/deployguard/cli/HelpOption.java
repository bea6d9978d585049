package dev.deployguard.cli;

import picocli.CommandLine.Option;

/**
 * {@code -h, --help} for every command and subcommand (added to each by {@link DeployGuard#commandLine()}), so
 * {@code deployguard deploy --help} prints usage and exits 0 before required parameters are checked. Not picocli's
 * standard help mixin: its {@code --version} would clash with {@code deploy --version}.
 */
final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit")
    boolean help;
}
