package dev.deployguard.analysis;

/** What a judge concludes about a canary: promote it, roll it back, or hold for more evidence. */
public enum Verdict {
    /** The evidence supports promotion. */
    PASS,
    /** The evidence says the canary is worse than stable: roll back. */
    FAIL,
    /** Not enough evidence either way (too little traffic, a metric source error, or still collecting): hold. */
    INCONCLUSIVE
}
