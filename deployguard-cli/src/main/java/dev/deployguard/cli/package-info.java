/**
 * The {@code deployguard} command line (picocli): one class per command, talking to a running control plane over
 * its HTTP API, or starting one ({@code server}, {@code quickstart}). May use every module.
 */
package dev.deployguard.cli;
