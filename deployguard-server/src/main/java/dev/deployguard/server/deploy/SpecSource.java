package dev.deployguard.server.deploy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.Spec;
import dev.deployguard.spec.SpecException;
import dev.deployguard.spec.SpecParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.function.Supplier;

/**
 * Reads the spec afresh for each operation, so an edit applies to the next deploy and a broken file stops it.
 *
 * <p>"Afresh" means: the file as it is now. Parsing is only repeated when the file changed, because the rollout
 * ticker asks for the spec several times per app per tick and a spec of 1,000 apps takes tens of milliseconds to
 * parse. The file is stat'ed on every call; the parsed spec is reused while its modification time, size and
 * identity are the ones it was read with. A file modified within {@link #RACY_MILLIS} of being read could be
 * rewritten again with the same size and time stamp (time stamps are coarse), so until the entry is older than
 * that its text is read and compared on each call, as git does for its index.
 */
public final class SpecSource implements Supplier<Spec> {
    private static final long RACY_MILLIS = 2_000;

    private final Path file;
    private final SpecParser parser = new SpecParser();
    private volatile Parsed last;

    /**
     * A parsed spec (or the refusal it earned), the text it came from and the file's state when that text was read.
     * A refusal is kept too: a broken or oversized file is parsed once, not once per caller per tick.
     */
    private record Parsed(Stamp stamp, long readAtMillis, String text, Spec spec, SpecException refused) {
        Spec specOrThrow() {
            if (refused != null) {
                throw refused;
            }
            return spec;
        }

        boolean settled() {
            return readAtMillis - stamp.modified().toMillis() > RACY_MILLIS;
        }
    }

    private record Stamp(FileTime modified, long size, Object fileKey) {
        static Stamp of(Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
            } catch (IOException e) {
                return null;
            }
        }
    }

    public SpecSource(Path file) {
        this.file = file;
    }

    @Override
    public Spec get() {
        Stamp stamp = Stamp.of(file); // before the read: a write after this changes the next stamp
        Parsed p = last;
        if (stamp == null) {
            last = null;
            return parser.parse(file); // reports the missing or unreadable file
        }
        if (p != null && p.stamp().equals(stamp) && p.settled()) {
            return p.specOrThrow();
        }
        long readAt = System.currentTimeMillis();
        if (stamp.size() > SpecParser.MAX_BYTES) {
            SpecException tooBig = SpecParser.tooLarge(file.toString(), stamp.size());
            last = new Parsed(stamp, readAt, "", null, tooBig);
            throw tooBig;
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            last = null;
            return parser.parse(file);
        }
        if (p != null && p.text().equals(text)) {
            last = new Parsed(stamp, readAt, text, p.spec(), p.refused());
            return p.specOrThrow();
        }
        try {
            Spec spec = parser.parse(text, file.toString(), file.toAbsolutePath().getParent());
            last = new Parsed(stamp, readAt, text, spec, null);
            return spec;
        } catch (SpecException e) {
            last = new Parsed(stamp, readAt, text, null, e);
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    public AppSpec app(String name) {
        Spec spec = get();
        return spec.app(name).orElseThrow(() -> DeployGuardException.notFound("unknown app '" + name + "'; "
                + file + " declares: " + String.join(", ", spec.apps().keySet())));
    }
}
