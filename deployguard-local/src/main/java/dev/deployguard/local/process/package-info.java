/**
 * The one-host platform: each instance of a release as a detached OS process on a free loopback port, probed for
 * readiness and stopped gracefully. Uses the JDK and core; records nothing itself (the caller stores what runs
 * where).
 */
package dev.deployguard.local.process;
