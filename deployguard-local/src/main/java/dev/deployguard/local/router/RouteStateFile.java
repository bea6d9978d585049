package dev.deployguard.local.router;

import dev.deployguard.traffic.RouteTable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/** The router's last accepted route table on disk, so a restarted router serves the same split. */
final class RouteStateFile {
    private final Path path;

    RouteStateFile(Path path) {
        this.path = path.toAbsolutePath();
    }

    Path path() {
        return path;
    }

    /** The saved table, or empty when there is no file yet. */
    Optional<RouteTable> load() throws IOException {
        if (!Files.exists(path)) {
            return Optional.empty();
        }
        byte[] bytes = Files.readAllBytes(path);
        try {
            return Optional.of(RouteTables.validate(RouterCodec.routeTable(bytes)));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IOException("state file " + path + " does not hold a valid route table: "
                    + RouteTables.describe(e), e);
        }
    }

    /**
     * Moves an unreadable state file out of the way (to {@code NAME.unreadable-MILLIS}) so the next save starts a
     * fresh one; returns what happened, for the router's log.
     */
    String setAside() {
        return setAside(path);
    }

    /** Moves {@code path} aside as {@code NAME.unreadable-MILLIS}; returns what happened, for a log. */
    static String setAside(Path path) {
        Path aside = path.resolveSibling(path.getFileName() + ".unreadable-" + System.currentTimeMillis());
        try {
            Files.move(path, aside, StandardCopyOption.ATOMIC_MOVE);
            return "the file was moved to " + aside;
        } catch (IOException e) {
            return "the file could not be moved aside (" + e.getMessage() + ")";
        }
    }

    /** Writes the table so that a crash at any point leaves either the old or the new table, never half of one. */
    void save(RouteTable table) throws IOException {
        writeAtomically(path, RouterCodec.pretty(table));
    }

    /**
     * Replaces {@code path} with {@code bytes} so that a crash at any point leaves the old or the new content: a
     * temporary file forced to disk, renamed over the old one, and the directory forced.
     */
    static void writeAtomically(Path path, byte[] bytes) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, path.getFileName().toString() + ".", ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + path + " atomically: " + e.getMessage(), e);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDirectory(dir);
    }

    // The rename is durable only once the directory entry is on disk; not every file system allows this.
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Best effort: the table itself was already forced to disk.
        }
    }
}
