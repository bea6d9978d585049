package dev.deployguard.supplychain.scan;

import dev.deployguard.error.DeployGuardException;
import java.time.LocalDate;

/**
 * A finding someone has assessed and accepted until a date, with the reason on record. An entry suppresses the
 * finding through its {@code until} day (UTC) and not after, so an acceptance cannot quietly outlive its review.
 *
 * @param id     the vulnerability id it accepts (CVE-..., GHSA-...)
 * @param until  the last day it is accepted
 * @param reason why (shown in the evidence)
 */
public record AllowlistEntry(String id, LocalDate until, String reason) {
    public AllowlistEntry {
        if (id == null || id.isBlank()) {
            throw DeployGuardException.badInput("allowlist entry without an id: every entry needs id, until and reason");
        }
        if (until == null) {
            throw DeployGuardException.badInput("allowlist entry " + id + " has no 'until' date: give the last day"
                    + " it is accepted (YYYY-MM-DD)");
        }
        if (reason == null || reason.isBlank()) {
            throw DeployGuardException.badInput("allowlist entry " + id + " has no reason: say why it is accepted");
        }
    }

    /** Whether it still suppresses its finding on {@code today}. */
    public boolean activeOn(LocalDate today) {
        return !today.isAfter(until);
    }

    /** Whether it accepts this finding (same id, any case). */
    public boolean matches(Finding finding) {
        return finding.id().equalsIgnoreCase(id);
    }
}
