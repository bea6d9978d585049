package dev.deployguard.kubernetes.helm;

import dev.deployguard.error.DeployGuardException;
import java.time.Instant;
import java.util.List;

/**
 * A release's history as {@code helm history NAME} shows it: one line per revision (REVISION, UPDATED, STATUS,
 * CHART, APP VERSION, DESCRIPTION), the newest {@code max} revisions, oldest first.
 */
public final class HelmHistory {
    /** helm history's default {@code --max}. */
    public static final int DEFAULT_MAX = 256;

    private final HelmReleaseStorage storage;

    public HelmHistory(HelmReleaseStorage storage) {
        this.storage = storage;
    }

    /**
     * One line of {@code helm history}; the fields {@code -o json} prints.
     *
     * @param updated    the revision's last_deployed, or null when the record has none (helm prints nothing)
     * @param chart      {@code name-version}, or {@code MISSING} when the record has no chart metadata
     * @param appVersion the chart's appVersion, or {@code MISSING}
     */
    public record Entry(int revision, Instant updated, String status, String chart, String appVersion,
                        String description) {
        static Entry of(HelmRelease r) {
            String chart = HelmRelease.MISSING.equals(r.chartName()) ? HelmRelease.MISSING
                    : r.chartName() + "-" + r.chartVersion();
            return new Entry(r.version(), r.lastDeployed().orElse(null), r.statusText(), chart, r.appVersion(),
                    r.description());
        }
    }

    /**
     * The newest {@code max} revisions of a release, oldest first.
     *
     * @throws DeployGuardException NOT_FOUND when there is no such release, or for API failures
     */
    public List<Entry> of(String release, int max) {
        if (max < 1) {
            throw DeployGuardException.badInput("--max must be at least 1, was " + max + ".");
        }
        List<HelmRelease> all = storage.requireHistory(release);
        return all.subList(Math.max(0, all.size() - max), all.size()).stream().map(Entry::of).toList();
    }
}
