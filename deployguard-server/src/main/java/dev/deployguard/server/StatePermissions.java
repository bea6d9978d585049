package dev.deployguard.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Keeps the state directory private: it holds the database (release env values among them) and the API and router
 * tokens. The directory is made 0700 and those files 0600; a looser mode found at start is fixed and reported.
 */
final class StatePermissions {
    static final List<String> SECRET_FILES = List.of("deployguard.mv.db", "api.token", "router.token");
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private StatePermissions() {
    }

    /**
     * Creates {@code stateDir} (0700) if it is missing, and narrows the modes of it and of its secret files.
     * Returns one warning per mode that had to be fixed (none on a file system without POSIX modes).
     */
    static List<String> tighten(Path stateDir) {
        List<String> warnings = new ArrayList<>();
        try {
            if (!Files.exists(stateDir)) {
                Files.createDirectories(stateDir.getParent() == null ? stateDir : stateDir.getParent());
                Files.createDirectory(stateDir, PosixFilePermissions.asFileAttribute(DIR));
                return warnings;
            }
            narrow(stateDir, DIR, warnings);
            for (String name : SECRET_FILES) {
                Path f = stateDir.resolve(name);
                if (Files.isRegularFile(f)) {
                    narrow(f, FILE, warnings);
                }
            }
        } catch (UnsupportedOperationException e) {
            // No POSIX modes here (not Linux or macOS): nothing to check.
        } catch (IOException e) {
            warnings.add("cannot check or fix the permissions of " + stateDir + " (" + e.getMessage()
                    + "): make it readable by this user only (chmod 700, and 600 on " + SECRET_FILES + ")");
        }
        return warnings;
    }

    private static void narrow(Path p, Set<PosixFilePermission> wanted, List<String> warnings) throws IOException {
        Set<PosixFilePermission> actual = Files.getPosixFilePermissions(p);
        if (!wanted.containsAll(actual)) {
            Files.setPosixFilePermissions(p, wanted);
            warnings.add(p + " was mode " + PosixFilePermissions.toString(actual) + ", readable by other users;"
                    + " set to " + PosixFilePermissions.toString(wanted));
        }
    }
}
