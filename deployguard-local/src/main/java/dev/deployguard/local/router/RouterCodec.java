package dev.deployguard.local.router;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The router's JSON, on jackson-core's streaming parser and generator (the router loads no Jackson databind: about
 * 600 classes and the JDK's date and locale data it initialises, 4-5 MB of a router's memory). Route tables and app
 * listeners are read strictly: UTF-8 only, no duplicate, unknown or (for a table) missing field, whole numbers only,
 * nothing after the document, each refusal naming the field's path; an empty body reads as null. What it writes
 * ({@link RouterWriter}) is byte for byte what databind writes for the same records, which the control plane reads
 * with it ({@link RouterClient}).
 */
final class RouterCodec {
    /** Deepest nesting any parser of the router accepts; its documents are three levels deep. */
    static final int MAX_DEPTH = 32;

    /** The router's one factory: thread-safe, its parsers and generators share its buffers and name tables. */
    static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();

    private static final List<String> TABLE_FIELDS = List.of("app", "generation", "tracks");
    private static final List<String> TRACK_FIELDS = List.of("name", "revision", "weightBasisPoints", "backends");
    private static final List<String> LISTENER_FIELDS = List.of("listen", "tlsListen", "tlsCert", "tlsKey",
            "accessLog");

    private RouterCodec() {
    }

    /** The route table in {@code body}, or null for an empty body; IllegalArgumentException naming the problem. */
    static RouteTable routeTable(byte[] body) {
        return read(body, RouterCodec::table);
    }

    /** The app listener in {@code body} (absent fields are none), or null for an empty body. */
    static AppListener listener(byte[] body) {
        return read(body, RouterCodec::listener);
    }

    /** {@code value} as compact JSON. */
    static byte[] json(Object value) {
        return write(value, false);
    }

    /** {@code value} as JSON indented for a person (the state files), as databind's default pretty printer does. */
    static byte[] pretty(Object value) {
        return write(value, true);
    }

    private static byte[] write(Object value, boolean pretty) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator out = JSON.createGenerator(bytes)) {
            if (pretty) {
                out.useDefaultPrettyPrinter();
            }
            RouterWriter.write(out, value);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write JSON to memory", e);
        }
        return bytes.toByteArray();
    }

    /** What a document holds, read from a parser at its first token. */
    private interface Document<T> {
        T read(JsonParser in) throws IOException;
    }

    private static <T> T read(byte[] body, Document<T> document) {
        String text;
        try {
            // Given bytes, Jackson guesses UTF-16 or UTF-32 from the first ones and reads them; RFC 8259 has only
            // UTF-8 between systems, so the JDK's decoder, which refuses all else, reads the bytes.
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("malformed JSON: not UTF-8");
        }
        try (JsonParser in = JSON.createParser(text)) {
            try {
                if (in.nextToken() == null) {
                    return null;
                }
                T value = document.read(in);
                if (in.nextToken() != null) {
                    throw malformed("unexpected '" + in.getText() + "' after the document's end",
                            in.currentTokenLocation());
                }
                return value;
            } catch (JsonProcessingException e) {
                throw malformed(e.getOriginalMessage() + where(container(in.getParsingContext())), e.getLocation());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read JSON from memory", e);
        }
    }

    private static IllegalArgumentException malformed(String what, JsonLocation at) {
        return new IllegalArgumentException("malformed JSON: " + what
                + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    }

    private static RouteTable table(JsonParser in) throws IOException {
        String app = null;
        long generation = 0;
        List<Track> tracks = List.of();
        Fields fields = new Fields(in, TABLE_FIELDS);
        for (String name = fields.next(); name != null; name = fields.next()) {
            switch (name) {
                case "app" -> app = text(in);
                case "generation" -> generation = wholeLong(in);
                default -> tracks = list(in, RouterCodec::track);
            }
        }
        fields.requireAll();
        return new RouteTable(app, generation, tracks);
    }

    private static Track track(JsonParser in) throws IOException {
        String name = null;
        int revision = 0;
        int weight = 0;
        List<String> backends = List.of();
        Fields fields = new Fields(in, TRACK_FIELDS);
        for (String field = fields.next(); field != null; field = fields.next()) {
            switch (field) {
                case "name" -> name = text(in);
                case "revision" -> revision = whole(in);
                case "weightBasisPoints" -> weight = whole(in);
                default -> backends = list(in, RouterCodec::text);
            }
        }
        fields.requireAll();
        return new Track(name, revision, weight, backends);
    }

    private static AppListener listener(JsonParser in) throws IOException {
        String[] values = new String[LISTENER_FIELDS.size()];
        Fields fields = new Fields(in, LISTENER_FIELDS);
        for (String name = fields.next(); name != null; name = fields.next()) {
            values[LISTENER_FIELDS.indexOf(name)] = text(in);
        }
        return new AppListener(values[0], values[1], values[2], values[3], values[4]);
    }

    /** The fields of the object at the parser, each known, its value the current token after {@link #next}. */
    private static final class Fields {
        private final JsonParser in;
        private final List<String> known;
        private final String at;
        private final Set<String> seen = new HashSet<>();

        Fields(JsonParser in, List<String> known) {
            if (in.currentToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("expected an object" + where(path(in.getParsingContext())));
            }
            this.in = in;
            this.known = known;
            this.at = path(in.getParsingContext());
        }

        /** The next field's name with the parser at its value, or null at the object's end. */
        String next() throws IOException {
            if (in.nextToken() == JsonToken.END_OBJECT) {
                return null;
            }
            String name = in.currentName();
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown field '" + name + "'" + where(at) + "; expected one of: "
                        + String.join(", ", known));
            }
            seen.add(name);
            in.nextToken();
            return name;
        }

        void requireAll() {
            for (String name : known) {
                if (!seen.contains(name)) {
                    throw new IllegalArgumentException("missing field '" + name + "'" + where(at));
                }
            }
        }
    }

    /** Where the parser is, as {@code tracks[0].backends}; empty at the top. */
    private static String path(JsonStreamContext context) {
        if (context == null || context.inRoot()) {
            return "";
        }
        String parent = path(context.getParent());
        if (context.inArray()) {
            return context.hasCurrentIndex() ? parent + "[" + context.getCurrentIndex() + "]" : parent;
        }
        String name = context.getCurrentName();
        return name == null ? parent : parent.isEmpty() ? name : parent + "." + name;
    }

    /** The object or list the parser is in (not the field it is at, which a syntax error may have left behind). */
    private static String container(JsonStreamContext context) {
        return context.inObject() ? path(context.getParent()) : path(context);
    }

    private static String where(String at) {
        return at.isEmpty() ? "" : " at " + at;
    }

    /** The list at the parser, each item read by {@code item}; refused when it is not a list or holds a null. */
    private static <T> List<T> list(JsonParser in, Document<T> item) throws IOException {
        String at = path(in.getParsingContext());
        if (in.currentToken() != JsonToken.START_ARRAY) {
            throw new IllegalArgumentException(at + " must be a list");
        }
        List<T> items = new ArrayList<>();
        while (in.nextToken() != JsonToken.END_ARRAY) {
            if (in.currentToken() == JsonToken.VALUE_NULL) {
                throw new IllegalArgumentException(at + " must not contain null (at " + path(in.getParsingContext())
                        + ")");
            }
            items.add(item.read(in));
        }
        return items;
    }

    private static String text(JsonParser in) throws IOException {
        return switch (in.currentToken()) {
            case VALUE_STRING -> in.getText();
            case VALUE_NULL -> null;
            default -> throw new IllegalArgumentException(path(in.getParsingContext()) + " must be a string");
        };
    }

    private static int whole(JsonParser in) throws IOException {
        long n = wholeLong(in);
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(path(in.getParsingContext()) + " is out of range: " + n);
        }
        return (int) n;
    }

    private static long wholeLong(JsonParser in) throws IOException {
        String at = path(in.getParsingContext());
        if (in.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw new IllegalArgumentException(at + " must be a whole number");
        }
        if (in.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw new IllegalArgumentException(at + " is out of range: " + in.getText());
        }
        return in.getLongValue();
    }
}
