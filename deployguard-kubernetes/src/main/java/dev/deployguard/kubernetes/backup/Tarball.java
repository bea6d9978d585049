package dev.deployguard.kubernetes.backup;

import dev.deployguard.error.DeployGuardException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * A gzip-compressed POSIX ustar archive, as Velero writes with Go's archive/tar: regular files only, long names
 * split into the ustar prefix. Small enough to keep here rather than pull in an archive library.
 */
final class Tarball {
    private static final int BLOCK = 512;

    private Tarball() {
    }

    /** Writes owner-only (0600, as the store backups): a namespace's Secrets are among the objects. */
    static void write(Path file, Map<String, byte[]> entries) throws IOException {
        ownerOnly(file);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            for (var e : entries.entrySet()) {
                out.write(header(e.getKey(), e.getValue().length));
                out.write(e.getValue());
                int pad = (BLOCK - e.getValue().length % BLOCK) % BLOCK;
                out.write(new byte[pad]);
            }
            out.write(new byte[2 * BLOCK]);
        }
    }

    private static void ownerOnly(Path file) throws IOException {
        if (!file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        var perms = PosixFilePermissions.fromString("rw-------");
        if (Files.exists(file)) {
            Files.setPosixFilePermissions(file, perms);
        } else {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(perms));
        }
    }

    /** The entries of a tarball; a truncated or damaged one is refused with the file named. */
    static Map<String, byte[]> read(Path file) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            while (true) {
                byte[] h = in.readNBytes(BLOCK);
                if (h.length < BLOCK) {
                    throw new EOFException("archive ends inside a header");
                }
                if (allZero(h)) {
                    return out;
                }
                String name = field(h, 0, 100);
                String prefix = field(h, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
                long size = Long.parseLong(field(h, 124, 12).trim(), 8);
                byte[] body = in.readNBytes((int) size);
                if (body.length < size) {
                    throw new EOFException("archive ends inside " + name);
                }
                in.readNBytes((int) ((BLOCK - size % BLOCK) % BLOCK));
                char type = (char) h[156];
                if (type == '0' || type == 0) {
                    out.put(name, body);
                }
            }
        } catch (EOFException | ZipException e) {
            throw DeployGuardException.badInput(file + " is truncated or damaged (" + e.getMessage() + "); nothing"
                    + " was restored");
        } catch (NumberFormatException e) {
            throw DeployGuardException.badInput(file + " is not a tar archive (bad header); nothing was restored");
        } catch (IOException e) {
            throw DeployGuardException.badInput("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static byte[] header(String name, long size) {
        byte[] h = new byte[BLOCK];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 100) {
            int cut = name.lastIndexOf('/', Math.min(name.length() - 1, 155));
            if (cut <= 0 || name.substring(cut + 1).getBytes(StandardCharsets.UTF_8).length > 100) {
                throw new IllegalArgumentException("name too long for a ustar archive: " + name);
            }
            put(h, 345, name.substring(0, cut));
            put(h, 0, name.substring(cut + 1));
        } else {
            put(h, 0, name);
        }
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", size));
        put(h, 136, String.format("%011o", System.currentTimeMillis() / 1000));
        h[156] = '0';
        put(h, 257, "ustar");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, at, b.length);
    }

    private static String field(byte[] h, int at, int len) {
        int end = at;
        while (end < at + len && h[end] != 0) {
            end++;
        }
        return new String(h, at, end - at, StandardCharsets.UTF_8);
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
