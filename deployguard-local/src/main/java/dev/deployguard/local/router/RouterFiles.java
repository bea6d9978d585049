package dev.deployguard.local.router;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Checks, before a router is started, the files it would refuse to start without: its TLS certificate and key (read
 * and matched as the router reads them) and its access log (opened for appending, its directory created), so the one
 * who starts it gets the reason at once rather than a router that exits with it in its log.
 */
public final class RouterFiles {
    private RouterFiles() {
    }

    /** What is wrong with the TLS pair, naming the file; empty when the router can serve HTTPS with it. */
    @SuppressWarnings("try") // a resource held open for the block's duration, not referenced in it
    public static Optional<String> tlsProblem(Path cert, Path key) {
        Optional<String> unreadable = unreadable("TLS certificate", cert).or(() -> unreadable("TLS key", key));
        if (unreadable.isPresent()) {
            return unreadable;
        }
        try (TlsFiles ignored = TlsFiles.load(cert, key)) {
            return Optional.empty();
        } catch (TlsFiles.TlsException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static Optional<String> unreadable(String what, Path file) {
        if (!Files.exists(file)) {
            return Optional.of("the " + what + " " + file + " does not exist");
        }
        if (!Files.isRegularFile(file)) {
            return Optional.of("the " + what + " " + file + " is not a file");
        }
        if (!Files.isReadable(file)) {
            return Optional.of("the " + what + " " + file + " is not readable by this user ("
                    + System.getProperty("user.name") + ")");
        }
        return Optional.empty();
    }

    /** What keeps the router from appending to {@code file}; empty when it can. */
    public static Optional<String> accessLogProblem(Path file) {
        if (Files.isDirectory(file)) {
            return Optional.of("the access log " + file + " is a directory; name a file");
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE).close();
            return Optional.empty();
        } catch (java.nio.file.AccessDeniedException e) {
            return Optional.of("cannot open the access log " + file + " for appending: permission denied on "
                    + e.getFile());
        } catch (IOException | SecurityException e) {
            return Optional.of("cannot open the access log " + file + " for appending: " + e.getMessage());
        }
    }
}
