package dev.deployguard.kubernetes.helm;

import java.util.Locale;

/** The status of one release revision, spelled as Helm stores it in the record and in the Secret's label. */
public enum HelmStatus {
    UNKNOWN("unknown"),
    DEPLOYED("deployed"),
    UNINSTALLED("uninstalled"),
    SUPERSEDED("superseded"),
    FAILED("failed"),
    UNINSTALLING("uninstalling"),
    PENDING_INSTALL("pending-install"),
    PENDING_UPGRADE("pending-upgrade"),
    PENDING_ROLLBACK("pending-rollback");

    private final String wire;

    HelmStatus(String wire) {
        this.wire = wire;
    }

    /** The text Helm writes ({@code pending-upgrade}, ...). */
    public String wire() {
        return wire;
    }

    /** Whether an operation on this revision is still in flight (helm refuses to upgrade such a release). */
    public boolean isPending() {
        return this == PENDING_INSTALL || this == PENDING_UPGRADE || this == PENDING_ROLLBACK;
    }

    /** The status for Helm's text; texts this version does not know read as {@link #UNKNOWN}. */
    public static HelmStatus fromWire(String text) {
        if (text == null) {
            return UNKNOWN;
        }
        String t = text.toLowerCase(Locale.ROOT);
        for (HelmStatus s : values()) {
            if (s.wire.equals(t)) {
                return s;
            }
        }
        return UNKNOWN;
    }
}
