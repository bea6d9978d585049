package dev.deployguard.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code deployguard completion bash|zsh}: a completion script for every command, option and enum value. zsh gets
 * the same script: it loads it through {@code bashcompinit}, which the script turns on by itself under zsh.
 */
@Command(name = "completion", description = {"Print a shell completion script.",
        "bash: source <(deployguard completion bash)   (or save it under /etc/bash_completion.d/)",
        "zsh:  source <(deployguard completion zsh)    (in ~/.zshrc; uses zsh's bashcompinit)"})
final class CompletionCommand implements Callable<Integer> {
    /** The shells a script is written for. */
    enum Shell { bash, zsh }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SHELL", description = "${COMPLETION-CANDIDATES}")
    Shell shell;

    @Override
    public Integer call() {
        String script = AutoComplete.bash("deployguard", spec.root().commandLine());
        if (shell == Shell.zsh) {
            script = "# deployguard completion for zsh: picocli's bash script, loaded through bashcompinit\n" + script;
        }
        System.out.print(script);
        return 0;
    }
}
