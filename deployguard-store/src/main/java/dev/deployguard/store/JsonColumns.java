package dev.deployguard.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.traffic.Track;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** The JSON columns of the store's tables (command, env, event data, route tracks, rollout state). */
final class JsonColumns {
    static final ObjectMapper MAPPER = new ObjectMapper().findAndRegisterModules();
    static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() { };
    static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() { };
    static final TypeReference<Map<String, Object>> OBJECT_MAP = new TypeReference<>() { };
    static final TypeReference<List<Track>> TRACKS = new TypeReference<>() { };

    private JsonColumns() {
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> T read(String text, Class<T> type) {
        try {
            return MAPPER.readValue(text, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> T read(String text, TypeReference<T> type) {
        try {
            return MAPPER.readValue(text, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
