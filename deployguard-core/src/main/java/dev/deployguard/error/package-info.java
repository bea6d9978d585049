/**
 * The one failure type a person can act on, {@link dev.deployguard.error.DeployGuardException}, and the CLI's
 * stable exit codes. Depends on nothing; every module may use it.
 */
package dev.deployguard.error;
