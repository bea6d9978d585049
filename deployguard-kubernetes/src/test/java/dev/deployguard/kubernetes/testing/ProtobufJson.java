package dev.deployguard.kubernetes.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Turns the Kubernetes protobuf bodies that helm's release storage sends (v1 Secret, v1 ConfigMap, DeleteOptions)
 * into JSON, so {@link MockCluster} can store them. A hand-written wire-format reader over the field numbers of the
 * public Kubernetes {@code .proto} files; proto3 empty strings become absent fields.
 */
final class ProtobufJson {
    static final byte[] MAGIC = {0x6b, 0x38, 0x73, 0x00};

    private final ObjectMapper json;

    ProtobufJson(ObjectMapper json) {
        this.json = json;
    }

    static boolean isProtobuf(byte[] body) {
        return body.length >= 4 && body[0] == MAGIC[0] && body[1] == MAGIC[1] && body[2] == MAGIC[2]
                && body[3] == MAGIC[3];
    }

    /** The JSON text of a {@code k8s\0}-prefixed {@code runtime.Unknown} envelope. */
    String toJson(byte[] body) {
        Reader unknown = new Reader(body, 4, body.length);
        String apiVersion = null;
        String kind = null;
        byte[] raw = new byte[0];
        while (unknown.more()) {
            int tag = unknown.tag();
            if (tag >> 3 == 1) {
                Reader meta = unknown.message();
                while (meta.more()) {
                    int t = meta.tag();
                    if (t >> 3 == 1) {
                        apiVersion = meta.string();
                    } else if (t >> 3 == 2) {
                        kind = meta.string();
                    } else {
                        meta.skip(t);
                    }
                }
            } else if (tag >> 3 == 2) {
                raw = unknown.bytes();
            } else {
                unknown.skip(tag);
            }
        }
        ObjectNode out = json.createObjectNode();
        if (apiVersion != null) {
            out.put("apiVersion", apiVersion);
        }
        if (kind != null) {
            out.put("kind", kind);
        }
        Reader r = new Reader(raw, 0, raw.length);
        switch (kind == null ? "" : kind) {
            case "Secret" -> secret(r, out);
            case "ConfigMap" -> configMap(r, out);
            case "DeleteOptions" -> deleteOptions(r, out);
            default -> throw new IllegalArgumentException("protobuf body of kind '" + kind + "' is not supported");
        }
        return out.toString();
    }

    private void secret(Reader r, ObjectNode out) {
        while (r.more()) {
            int tag = r.tag();
            switch (tag >> 3) {
                case 1 -> out.set("metadata", meta(r.message()));
                case 2 -> entry(r.message(), out.withObjectProperty("data"), true);
                case 3 -> putString(out, "type", r.string());
                case 4 -> entry(r.message(), out.withObjectProperty("stringData"), false);
                case 5 -> out.put("immutable", r.varint() != 0);
                default -> r.skip(tag);
            }
        }
    }

    private void configMap(Reader r, ObjectNode out) {
        while (r.more()) {
            int tag = r.tag();
            switch (tag >> 3) {
                case 1 -> out.set("metadata", meta(r.message()));
                case 2 -> entry(r.message(), out.withObjectProperty("data"), false);
                case 3 -> entry(r.message(), out.withObjectProperty("binaryData"), true);
                case 4 -> out.put("immutable", r.varint() != 0);
                default -> r.skip(tag);
            }
        }
    }

    private void deleteOptions(Reader r, ObjectNode out) {
        while (r.more()) {
            int tag = r.tag();
            switch (tag >> 3) {
                case 1 -> out.put("gracePeriodSeconds", r.varint());
                case 3 -> out.put("orphanDependents", r.varint() != 0);
                case 4 -> putString(out, "propagationPolicy", r.string());
                case 5 -> out.withArrayProperty("dryRun").add(r.string());
                default -> r.skip(tag);
            }
        }
    }

    private ObjectNode meta(Reader r) {
        ObjectNode m = json.createObjectNode();
        while (r.more()) {
            int tag = r.tag();
            switch (tag >> 3) {
                case 1 -> putString(m, "name", r.string());
                case 2 -> putString(m, "generateName", r.string());
                case 3 -> putString(m, "namespace", r.string());
                case 5 -> putString(m, "uid", r.string());
                case 6 -> putString(m, "resourceVersion", r.string());
                case 7 -> m.put("generation", r.varint());
                case 11 -> entry(r.message(), m.withObjectProperty("labels"), false);
                case 12 -> entry(r.message(), m.withObjectProperty("annotations"), false);
                case 13 -> m.withArrayProperty("ownerReferences").add(ownerReference(r.message()));
                case 14 -> m.withArrayProperty("finalizers").add(r.string());
                default -> r.skip(tag);
            }
        }
        return m;
    }

    private ObjectNode ownerReference(Reader r) {
        ObjectNode o = json.createObjectNode();
        while (r.more()) {
            int tag = r.tag();
            switch (tag >> 3) {
                case 1 -> putString(o, "kind", r.string());
                case 3 -> putString(o, "name", r.string());
                case 4 -> putString(o, "uid", r.string());
                case 5 -> putString(o, "apiVersion", r.string());
                case 6 -> o.put("controller", r.varint() != 0);
                case 7 -> o.put("blockOwnerDeletion", r.varint() != 0);
                default -> r.skip(tag);
            }
        }
        return o;
    }

    private static void entry(Reader r, ObjectNode into, boolean bytesValue) {
        String key = "";
        String value = "";
        while (r.more()) {
            int tag = r.tag();
            if (tag >> 3 == 1) {
                key = r.string();
            } else if (tag >> 3 == 2) {
                byte[] v = r.bytes();
                value = bytesValue ? Base64.getEncoder().encodeToString(v) : new String(v, StandardCharsets.UTF_8);
            } else {
                r.skip(tag);
            }
        }
        into.put(key, value);
    }

    private static void putString(ObjectNode n, String field, String value) {
        if (!value.isEmpty()) {
            n.put(field, value);
        }
    }

    /** Protocol buffers wire format over a byte range. */
    private static final class Reader {
        private final byte[] buf;
        private int pos;
        private final int end;

        Reader(byte[] buf, int pos, int end) {
            this.buf = buf;
            this.pos = pos;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        int tag() {
            return (int) varint();
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = buf[pos++];
                v |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("malformed varint");
        }

        byte[] bytes() {
            int len = (int) varint();
            byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + len);
            pos += len;
            return out;
        }

        String string() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        Reader message() {
            int len = (int) varint();
            Reader r = new Reader(buf, pos, pos + len);
            pos += len;
            return r;
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> pos += 8;
                case 2 -> {
                    int len = (int) varint();
                    pos += len;
                }
                case 5 -> pos += 4;
                default -> throw new IllegalArgumentException("unsupported wire type " + (tag & 7));
            }
        }
    }
}
