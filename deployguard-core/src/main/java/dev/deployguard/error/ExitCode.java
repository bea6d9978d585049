package dev.deployguard.error;

/** Process exit codes of the CLI; documented in the README and stable for scripts. */
public enum ExitCode {
    OK(0),
    FAILURE(1),
    BAD_INPUT(2),
    DEPLOY_FAILED(3),
    BUSY(4),
    UNREACHABLE(5),
    NOT_FOUND(6);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
