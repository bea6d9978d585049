package dev.deployguard.supplychain.registry;

import java.util.Arrays;

/**
 * A manifest as the registry served it: the exact bytes (the digest is over them, and some are pretty-printed),
 * its media type and its digest.
 */
public record Manifest(byte[] bytes, String mediaType, String digest) {
    public Manifest {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Manifest m && Arrays.equals(bytes, m.bytes) && digest.equals(m.digest)
                && String.valueOf(mediaType).equals(String.valueOf(m.mediaType));
    }

    @Override
    public int hashCode() {
        return digest.hashCode();
    }

    @Override
    public String toString() {
        return "Manifest[" + mediaType + ", " + digest + ", " + bytes.length + " bytes]";
    }
}
