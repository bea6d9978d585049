package dev.deployguard.supplychain.scan;

import java.util.Objects;

/**
 * One vulnerability a scanner found in one package.
 *
 * @param id       the vulnerability id (CVE-..., GHSA-..., a distro advisory id)
 * @param severity its severity as the report rates it
 * @param pkg      the affected package's name, or "?" when the report does not say
 * @param version  the installed version, or "?" when the report does not say
 * @param fixedIn  the version(s) that fix it, or null when the report names none
 */
public record Finding(String id, Severity severity, String pkg, String version, String fixedIn) {
    public Finding {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(severity, "severity");
        pkg = blankToUnknown(pkg);
        version = blankToUnknown(version);
        fixedIn = fixedIn == null || fixedIn.isBlank() ? null : fixedIn;
    }

    /** {@code CVE-2023-0001 (critical) openssl@3.0.1, fixed in 3.0.2}. */
    public String describe() {
        return id + " (" + severity.lower() + ") " + pkg + "@" + version
                + (fixedIn == null ? ", no fix available" : ", fixed in " + fixedIn);
    }

    private static String blankToUnknown(String s) {
        return s == null || s.isBlank() ? "?" : s;
    }
}
