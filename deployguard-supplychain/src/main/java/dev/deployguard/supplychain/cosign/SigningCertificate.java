package dev.deployguard.supplychain.cosign;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The identity a Fulcio certificate (a keyless signature's signing certificate) names: its subject alternative names
 * (an e-mail or a workflow URI) and the OIDC issuer extension, as {@code cosign verify --certificate-identity} and
 * {@code --certificate-oidc-issuer} compare them.
 *
 * @param identities the subject alternative names (e-mail, URI), in the certificate's order
 * @param issuer     the OIDC issuer (extension 1.3.6.1.4.1.57264.1.8, else the older 1.3.6.1.4.1.57264.1.1), or null
 */
public record SigningCertificate(List<String> identities, String issuer, Instant notBefore, Instant notAfter,
                                 X509Certificate certificate) {
    /** Fulcio's OIDC issuer extension (DER UTF8String). */
    static final String ISSUER_V2 = "1.3.6.1.4.1.57264.1.8";
    /** Fulcio's first OIDC issuer extension (the raw string). */
    static final String ISSUER_V1 = "1.3.6.1.4.1.57264.1.1";

    public SigningCertificate {
        identities = List.copyOf(identities);
    }

    /** Reads the first certificate of a PEM text (cosign's {@code dev.sigstore.cosign/certificate} annotation). */
    public static SigningCertificate parse(String pem) throws GeneralSecurityException {
        List<X509Certificate> certs = Pem.certificates(pem);
        if (certs.isEmpty()) {
            throw new GeneralSecurityException("no CERTIFICATE block");
        }
        return of(certs.get(0));
    }

    public static SigningCertificate of(X509Certificate cert) throws CertificateParsingException {
        List<String> names = new ArrayList<>();
        if (cert.getSubjectAlternativeNames() != null) {
            for (List<?> san : cert.getSubjectAlternativeNames()) {
                if (san.size() >= 2 && san.get(1) instanceof String s) {
                    names.add(s);
                }
            }
        }
        String issuer = derString(cert.getExtensionValue(ISSUER_V2), true);
        if (issuer == null) {
            issuer = derString(cert.getExtensionValue(ISSUER_V1), false);
        }
        return new SigningCertificate(names, issuer, cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(),
                cert);
    }

    /**
     * An extension's value: {@code getExtensionValue} gives the DER OCTET STRING around it; v2 holds a DER
     * UTF8String inside that, v1 the raw bytes.
     */
    private static String derString(byte[] extension, boolean innerDer) {
        if (extension == null) {
            return null;
        }
        byte[] inner = Der.content(extension);
        if (innerDer) {
            inner = Der.content(inner);
        }
        return inner == null ? null : new String(inner, StandardCharsets.UTF_8);
    }

    /** A short description, e.g. {@code mitr@redhat.com (issuer https://github.com/login/oauth)}. */
    public String describe() {
        return (identities.isEmpty() ? "(no subject alternative name)" : String.join(", ", identities))
                + " (issuer " + (issuer == null ? "unknown" : issuer) + ")";
    }

    /** The smallest DER reader that unwraps one tag-length-value. */
    static final class Der {
        private Der() {
        }

        /** The content of the TLV at the start of {@code der}, or null when it is not one. */
        static byte[] content(byte[] der) {
            if (der == null || der.length < 2) {
                return null;
            }
            int len = der[1] & 0xff;
            int off = 2;
            if (len >= 0x80) {
                int n = len & 0x7f;
                if (n == 0 || n > 3 || der.length < 2 + n) {
                    return null;
                }
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (der[2 + i] & 0xff);
                }
                off = 2 + n;
            }
            if (off + len > der.length) {
                return null;
            }
            byte[] out = new byte[len];
            System.arraycopy(der, off, out, 0, len);
            return out;
        }
    }
}
