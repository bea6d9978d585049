package dev.deployguard.supplychain.cosign;

import java.util.Base64;

/**
 * Reads a base64 signature as cosign does. Cosign decodes with Go's {@code base64.StdEncoding}, which skips line
 * breaks, so a signature split over several lines is the same signature; DeployGuard also skips spaces and tabs and
 * accepts a missing {@code =} padding (neither changes the bytes, and the bytes are what gets verified).
 */
public final class SignatureEncoding {
    private SignatureEncoding() {
    }

    /**
     * @throws IllegalArgumentException naming the first character that is not base64, or a wrong length
     */
    public static byte[] decode(String text) {
        StringBuilder compact = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r' || c == ' ' || c == '\t') {
                continue;
            }
            boolean alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
                    || c == '/' || c == '=';
            if (!alphabet) {
                throw new IllegalArgumentException("character '" + c + "' at position " + i + " is not base64");
            }
            compact.append(c);
        }
        if (compact.isEmpty()) {
            throw new IllegalArgumentException("it is empty");
        }
        try {
            // The JDK's basic decoder accepts a missing padding but not a misplaced one.
            return Base64.getDecoder().decode(compact.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (" + compact.length() + " base64 characters)");
        }
    }
}
