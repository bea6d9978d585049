package dev.deployguard.store;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;

/** Another operation holds the app's lock; the caller should wait for it or abort it, not retry blindly. */
public class AppBusyException extends DeployGuardException {
    public AppBusyException(String message) {
        super(ExitCode.BUSY, message);
    }
}
