package dev.deployguard.kubernetes.helm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;

/**
 * Helm's release record format (Secrets storage driver, {@code pkg/storage/driver/secrets.go} and {@code util.go}):
 * a Secret {@code sh.helm.release.v1.NAME.vN} of type {@code helm.sh/release.v1} with labels {@code owner=helm},
 * {@code name}, {@code status}, {@code version} and one data key {@code release} holding base64(gzip(JSON)) — inside
 * the Secret's own base64. Records without gzip (older Helm, hand-written ones) are read too, by the same magic-byte
 * test Helm uses. Written so that real helm reads what DeployGuard writes and the other way round.
 */
public final class HelmReleaseCodec {
    public static final String SECRET_TYPE = "helm.sh/release.v1";
    static final String DATA_KEY = "release";
    static final String OWNER = "helm";
    /** Labels Helm sets itself; any other label on a record is a user's and is kept on update. */
    static final List<String> SYSTEM_LABELS = List.of("name", "owner", "status", "version", "createdAt", "modifiedAt");

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Go's gzip header at BestCompression: no name, no mtime, XFL 2, OS unknown (255). */
    private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 2, (byte) 0xff};

    private HelmReleaseCodec() {
    }

    /** helm's {@code encodeRelease}: the release's JSON, gzipped at best compression, in standard base64. */
    public static String encode(HelmRelease release) {
        byte[] json;
        try {
            json = MAPPER.writeValueAsBytes(release.json());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the release record of " + release.key(), e);
        }
        return Base64.getEncoder().encodeToString(gzip(json));
    }

    /**
     * helm's {@code decodeRelease}: standard base64, then gunzip when the bytes start with gzip's magic
     * ({@code 1f 8b 08}), then JSON.
     *
     * @throws IllegalArgumentException naming what is wrong (base64, gzip, JSON or the record's fields)
     */
    public static HelmRelease decode(String record) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(record.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the record is not base64 (" + e.getMessage() + ")");
        }
        if (bytes.length >= 3 && bytes[0] == 0x1f && bytes[1] == (byte) 0x8b && bytes[2] == 8) {
            try (var in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new IllegalArgumentException("the record's gzip stream is damaged (" + e.getMessage() + ")");
            }
        }
        JsonNode json;
        try {
            json = MAPPER.readTree(bytes);
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new IllegalArgumentException("the record is not JSON (" + why + ")");
        }
        return HelmRelease.of(json);
    }

    /**
     * The Secret helm would write for this revision.
     *
     * @param extraLabels {@code createdAt} / {@code modifiedAt} and the user's own labels; the system labels
     *                    {@code name}, {@code owner}, {@code status}, {@code version} are always the record's
     */
    public static Secret toSecret(HelmRelease release, Map<String, String> extraLabels) {
        Map<String, String> labels = new LinkedHashMap<>(extraLabels);
        labels.put("name", release.name());
        labels.put("owner", OWNER);
        labels.put("status", release.statusText());
        labels.put("version", Integer.toString(release.version()));
        String outer = Base64.getEncoder().encodeToString(encode(release).getBytes(StandardCharsets.US_ASCII));
        return new SecretBuilder()
                .withNewMetadata()
                .withName(release.key())
                .withNamespace(release.namespace().isEmpty() ? null : release.namespace())
                .withLabels(labels)
                .endMetadata()
                .withType(SECRET_TYPE)
                .withData(Map.of(DATA_KEY, outer))
                .build();
    }

    /**
     * The revision a release Secret holds.
     *
     * @throws IllegalArgumentException when the Secret is not a Helm release record, saying why
     */
    public static HelmRelease fromSecret(Secret secret) {
        String data = secret.getData() == null ? null : secret.getData().get(DATA_KEY);
        if (data == null) {
            throw new IllegalArgumentException("it has no data key '" + DATA_KEY + "'");
        }
        byte[] record;
        try {
            record = Base64.getDecoder().decode(data);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("its data is not base64 (" + e.getMessage() + ")");
        }
        return decode(new String(record, StandardCharsets.US_ASCII));
    }

    /** The labels of a record that Helm does not own (kept when the record is rewritten). */
    static Map<String, String> customLabels(Secret secret) {
        Map<String, String> custom = new LinkedHashMap<>();
        if (secret.getMetadata() != null && secret.getMetadata().getLabels() != null) {
            secret.getMetadata().getLabels().forEach((k, v) -> {
                if (!SYSTEM_LABELS.contains(k)) {
                    custom.put(k, v);
                }
            });
        }
        return custom;
    }

    private static byte[] gzip(byte[] data) {
        var out = new ByteArrayOutputStream(data.length / 4 + 64);
        out.writeBytes(GZIP_HEADER);
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
        try {
            deflater.setInput(data);
            deflater.finish();
            byte[] buffer = new byte[8192];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
        } finally {
            deflater.end();
        }
        CRC32 crc = new CRC32();
        crc.update(data);
        writeIntLE(out, (int) crc.getValue());
        writeIntLE(out, data.length);
        return out.toByteArray();
    }

    private static void writeIntLE(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }
}
