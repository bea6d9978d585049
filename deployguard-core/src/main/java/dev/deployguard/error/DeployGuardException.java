package dev.deployguard.error;

/** A failure a person can act on: the message says what happened and what to do; the exit code classifies it. */
public class DeployGuardException extends RuntimeException {
    private final ExitCode exitCode;

    public DeployGuardException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public DeployGuardException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    public static DeployGuardException badInput(String message) {
        return new DeployGuardException(ExitCode.BAD_INPUT, message);
    }

    public static DeployGuardException notFound(String message) {
        return new DeployGuardException(ExitCode.NOT_FOUND, message);
    }
}
