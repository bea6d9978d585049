package dev.deployguard.check;

/**
 * One pre-deployment verification. Implementations do their own I/O, honour {@link CheckContext#timeout()} where
 * they can (the checklist also stops waiting after it), and turn every expected problem into a {@link CheckResult}
 * with evidence and a remedy; an exception escaping {@link #run} is reported as ERROR with its message.
 */
public interface Check {
    /** Stable name, e.g. {@code image.signature}, {@code registry}, {@code migrations}, {@code local.ports}. */
    String name();

    CheckResult run(CheckContext context) throws Exception;
}
