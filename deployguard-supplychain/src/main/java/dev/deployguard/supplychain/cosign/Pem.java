package dev.deployguard.supplychain.cosign;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PEM blocks as cosign and Rekor write them: public keys (SubjectPublicKeyInfo) and X.509 certificates. */
final class Pem {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]*)-----END \\1-----");

    private Pem() {
    }

    /** The DER content of every block of this type, in order. */
    static List<byte[]> blocks(String text, String type) {
        List<byte[]> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(type)) {
                out.add(Base64.getMimeDecoder().decode(m.group(2)));
            }
        }
        return out;
    }

    /** An ECDSA, RSA or Ed25519 key from its SubjectPublicKeyInfo. */
    static PublicKey publicKey(byte[] spki) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(spki));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
    }

    /** The certificates of a PEM text, in order (a leaf first, then its chain, as cosign writes them). */
    static List<X509Certificate> certificates(String text) throws GeneralSecurityException {
        CertificateFactory f = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        for (byte[] der : blocks(text, "CERTIFICATE")) {
            out.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(der)));
        }
        return out;
    }

    /** The public key a PEM text carries: a PUBLIC KEY block, or the first certificate's key. */
    static PublicKey keyOf(String text) throws GeneralSecurityException {
        List<byte[]> keys = blocks(text, "PUBLIC KEY");
        if (!keys.isEmpty()) {
            return publicKey(keys.get(0));
        }
        List<X509Certificate> certs = certificates(text);
        if (certs.isEmpty()) {
            throw new GeneralSecurityException("no PUBLIC KEY or CERTIFICATE block");
        }
        return certs.get(0).getPublicKey();
    }
}
