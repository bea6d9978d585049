package dev.deployguard.local.router;

import java.util.List;

/** A host router's answer to {@code GET /admin/health}: its process id (its supervisor's) and the apps it serves. */
public record HostHealth(long pid, List<String> apps) {
    public HostHealth {
        apps = apps == null ? List.of() : List.copyOf(apps);
    }
}
