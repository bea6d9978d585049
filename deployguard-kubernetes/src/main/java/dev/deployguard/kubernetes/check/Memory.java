package dev.deployguard.kubernetes.check;

import dev.deployguard.error.DeployGuardException;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Locale;
import java.util.Map;

/** Memory amounts: Kubernetes quantities in, bytes inside, Mi/Gi out (as people read them in kubectl). */
final class Memory {
    private static final long MI = 1024L * 1024;
    private static final long GI = 1024L * MI;

    private Memory() {
    }

    /** Bytes of a quantity such as {@code 512Mi}, {@code 2Gi}, {@code 1G} or {@code 134217728}. */
    static long bytes(Quantity q) {
        return Quantity.getAmountInBytes(q).longValue();
    }

    /** Parses a memory request given by a person; a bad value is a BAD_INPUT naming it. */
    static long parse(String quantity, String what) {
        try {
            long b = bytes(new Quantity(quantity));
            if (b <= 0) {
                throw new IllegalArgumentException("not positive");
            }
            return b;
        } catch (RuntimeException e) {
            throw DeployGuardException.badInput(what + " '" + quantity + "' is not a memory quantity such as 512Mi"
                    + " or 2Gi");
        }
    }

    /** {@code 512 Mi}, {@code 1.5 Gi}. */
    static String format(long bytes) {
        if (Math.abs(bytes) >= GI) {
            return String.format(Locale.ROOT, "%.1f Gi", bytes / (double) GI);
        }
        return String.format(Locale.ROOT, "%d Mi", Math.round(bytes / (double) MI));
    }

    /** The memory request of a quantity map entry, 0 when absent. */
    static long request(Map<String, Quantity> requests) {
        if (requests == null) {
            return 0;
        }
        Quantity q = requests.get("memory");
        return q == null ? 0 : bytes(q);
    }
}
