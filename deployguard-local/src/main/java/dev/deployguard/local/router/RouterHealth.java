package dev.deployguard.local.router;

/** The router's answer to {@code GET /admin/health}: which app it serves, its process id, table generation, address. */
public record RouterHealth(String app, long pid, long generation, String listen) {
}
