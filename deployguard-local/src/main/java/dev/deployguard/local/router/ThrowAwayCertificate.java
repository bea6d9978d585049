package dev.deployguard.local.router;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;

/**
 * A self-signed EC P-256 certificate and its PKCS#8 key, made in memory for the warm standby's throw-away TLS app
 * ({@link RouterStandby}): never written anywhere but the warm-up's temp directory, valid for a day, trusted by
 * nothing but the warm-up's own client. The JDK has no public API that writes a certificate, so this encodes the
 * few DER structures of an X.509 v3 certificate without extensions (RFC 5280, section 4.1) itself.
 *
 * @param certificatePem the certificate, PEM
 * @param keyPem the private key, PEM PKCS#8
 */
record ThrowAwayCertificate(String certificatePem, String keyPem) {
    static final String SUBJECT = "deployguard-router-warm-up";
    // ecdsa-with-SHA256, 1.2.840.10045.4.3.2; commonName, 2.5.4.3 (DER-encoded object identifiers).
    private static final byte[] ECDSA_WITH_SHA256 = {0x06, 0x08, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x04,
            0x03, 0x02};
    private static final byte[] COMMON_NAME = {0x06, 0x03, 0x55, 0x04, 0x03};
    private static final byte[] VERSION_3 = {(byte) 0xA0, 0x03, 0x02, 0x01, 0x02};
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    static ThrowAwayCertificate generate(Instant now) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        byte[] algorithm = tlv(0x30, ECDSA_WITH_SHA256);
        byte[] name = tlv(0x30, tlv(0x31, tlv(0x30, COMMON_NAME, tlv(0x0C,
                SUBJECT.getBytes(StandardCharsets.UTF_8)))));
        byte[] validity = tlv(0x30, time(now.minusSeconds(3_600)), time(now.plusSeconds(86_400)));
        byte[] serial = tlv(0x02, new BigInteger(63, new SecureRandom()).add(BigInteger.ONE).toByteArray());
        byte[] tbs = tlv(0x30, VERSION_3, serial, algorithm, name, validity, name, pair.getPublic().getEncoded());
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(pair.getPrivate());
        signer.update(tbs);
        byte[] signature = signer.sign();
        byte[] bits = new byte[signature.length + 1]; // a BIT STRING's first byte: no unused bits
        System.arraycopy(signature, 0, bits, 1, signature.length);
        byte[] certificate = tlv(0x30, tbs, algorithm, tlv(0x03, bits));
        return new ThrowAwayCertificate(pem("CERTIFICATE", certificate), pem("PRIVATE KEY",
                pair.getPrivate().getEncoded()));
    }

    private static byte[] time(Instant instant) {
        return tlv(0x17, UTC_TIME.format(instant).getBytes(StandardCharsets.US_ASCII));
    }

    /** A DER tag, its definite length and the concatenated contents. */
    private static byte[] tlv(int tag, byte[]... contents) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] part : contents) {
            body.writeBytes(part);
        }
        int length = body.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else if (length < 0x100) {
            out.write(0x81);
            out.write(length);
        } else {
            out.write(0x82);
            out.write(length >> 8);
            out.write(length & 0xFF);
        }
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
