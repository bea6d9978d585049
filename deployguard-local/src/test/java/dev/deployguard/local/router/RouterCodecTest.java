package dev.deployguard.local.router;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.deployguard.local.router.RouterMetrics.BackendHealth;
import dev.deployguard.local.router.RouterMetrics.Latency;
import dev.deployguard.local.router.RouterMetrics.StatusCounts;
import dev.deployguard.local.router.RouterMetrics.TrackMetrics;
import dev.deployguard.local.router.RouterMetrics.Window;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The router's own JSON (it loads no Jackson databind): what it writes is what databind writes for the same records,
 * which the control plane reads with it; what it reads is refused, with the field named, where it is not a table or
 * a listener.
 */
class RouterCodecTest {
    private static final RouteTable TABLE = new RouteTable("web", 7, List.of(
            new Track("stable", 3, 9_000, List.of("127.0.0.1:8081", "127.0.0.1:8082")),
            new Track("canary", 4, 1_000, List.of("[::1]:8083"))));

    @Test
    void writesEveryAnswerAsDatabindWritesIt() throws Exception {
        Window window = new Window(1_000, 12, 1, 800, 2_400, 9_600, List.of(10L, 2L, 0L), 3, 4, List.of(900L, 700L));
        TrackMetrics track = new TrackMetrics("canary", 4, 12, new StatusCounts(10, 1, 0, 1), 1,
                new Latency(800, 1_200, 2_400, 3_000), List.of(window, new Window(2_000, 0, 0, 0, 0)), 2);
        RouterMetrics metrics = new RouterMetrics(7, List.of(track), Map.of("127.0.0.1:8083", 2, "127.0.0.1:8081", 0),
                List.of(new TrackMetrics("old", 2, 0, new StatusCounts(0, 0, 0, 0), 0, Latency.NONE, List.of())),
                List.of(new BackendHealth("127.0.0.1:8083", true, 5_000, 2, "connection refused"),
                        new BackendHealth("127.0.0.1:8081", false, 0, 1, null)));
        Map<String, AppListener> listeners = new LinkedHashMap<>();
        listeners.put("web", AppListener.plain("127.0.0.1:8080"));
        listeners.put("shop", new AppListener("127.0.0.1:9080", "127.0.0.1:9443", "/c.pem", "/k.pem", "/a \"log\""));
        for (Object value : List.of(TABLE, metrics, listeners, new RouterHealth("web", 42, 7, "127.0.0.1:8080"),
                new HostHealth(42, List.of("web", "shop")), Map.of("removed", true),
                Map.of("error", "tab\tnew line\n quote\" backslash\\ control\u0001 é ✓ line separator\u2028"),
                new RouteTable("empty", 0, List.of()))) {
            assertThat(new String(RouterCodec.json(value), UTF_8)).as(value.toString())
                    .isEqualTo(new String(RouterJson.STRICT.writeValueAsBytes(value), UTF_8));
            assertThat(new String(RouterCodec.pretty(value), UTF_8)).as(value.toString())
                    .isEqualTo(RouterJson.STRICT.writerWithDefaultPrettyPrinter().writeValueAsString(value));
        }
        assertThat(RouterJson.LENIENT.readValue(RouterCodec.json(metrics), RouterMetrics.class)).isEqualTo(metrics);
        assertThat(new String(RouterCodec.json(Map.of("a", List.of(1, 2))), UTF_8)).isEqualTo("{\"a\":[1,2]}");
        assertThat(new String(RouterCodec.pretty(Map.of("a", List.of(1))), UTF_8)).isEqualTo("{\n  \"a\" : [ 1 ]\n}");
    }

    @Test
    void readsWhatItWritesAndWhatTheControlPlaneSends() throws Exception {
        assertThat(RouterCodec.routeTable(RouterCodec.json(TABLE))).isEqualTo(TABLE);
        assertThat(RouterCodec.routeTable(RouterCodec.pretty(TABLE))).isEqualTo(TABLE);
        assertThat(RouterCodec.routeTable(RouterJson.STRICT.writeValueAsBytes(TABLE))).isEqualTo(TABLE);
        assertThat(RouterCodec.routeTable(" \n\t ".getBytes(UTF_8))).as("an empty body").isNull();
        RouteTable escaped = RouterCodec.routeTable(("{\"app\":\"w\\u00e9b\\ud83d\\ude00\\/\",\"generation\":-0,"
                + "\"tracks\":[]}").getBytes(UTF_8));
        assertThat(escaped.app()).isEqualTo("wéb\uD83D\uDE00/");
        assertThat(escaped.generation()).isZero();
    }

    @Test
    void refusesWhatIsNotARouteTableNamingTheField() {
        refused("{\"app\":\"web\",\"generation\":1}", "missing field 'tracks'");
        refused("{\"app\":\"web\",\"generation\":1,\"tracks\":[],\"weights\":1}",
                "unknown field 'weights'; expected one of: app, generation, tracks");
        refused("{\"app\":\"web\",\"generation\":1,\"tracks\":[{\"name\":\"a\",\"revision\":1,\"weight\":1,"
                + "\"backends\":[]}]}", "unknown field 'weight' at tracks[0]");
        refused("{\"app\":\"web\",\"generation\":1,\"tracks\":[{\"name\":\"a\",\"revision\":1,\"backends\":[]}]}",
                "missing field 'weightBasisPoints' at tracks[0]");
        refused("{\"app\":\"web\",\"generation\":1.5,\"tracks\":[]}", "generation must be a whole number");
        refused("{\"app\":\"web\",\"generation\":\"1\",\"tracks\":[]}", "generation must be a whole number");
        refused("{\"app\":\"web\",\"generation\":null,\"tracks\":[]}", "generation must be a whole number");
        refused("{\"app\":\"web\",\"generation\":99999999999999999999,\"tracks\":[]}", "generation is out of range");
        refused("{\"app\":\"web\",\"generation\":1,\"tracks\":[{\"name\":\"a\",\"revision\":4294967296,"
                + "\"weightBasisPoints\":10000,\"backends\":[]}]}", "tracks[0].revision is out of range");
        refused("{\"app\":7,\"generation\":1,\"tracks\":[]}", "app must be a string");
        refused("{\"app\":\"web\",\"generation\":1,\"tracks\":{}}", "tracks must be a list");
        refused("{\"app\":\"web\",\"generation\":1,\"tracks\":[null]}", "tracks must not contain null");
        refused("{\"app\":\"web\",\"generation\":1,\"tracks\":[{\"name\":\"a\",\"revision\":1,"
                + "\"weightBasisPoints\":10000,\"backends\":[null]}]}", "tracks[0].backends must not contain null");
        refused("{\"app\":\"web\",\"generation\":1,\"tracks\":[{\"name\":\"a\",\"revision\":1,"
                + "\"weightBasisPoints\":9000,\"backends\":[]}]}", "must add up to 10000");
        refused("[1]", "expected an object");
    }

    /**
     * Syntax errors are jackson-core's own words (as the control plane's API gives them, JsonBody in
     * deployguard-server) with the line and column, and the object they are in.
     */
    @Test
    void refusesMalformedJsonSayingWhere() {
        refused("{\"app\":\"web\",}", "malformed JSON: Unexpected character ('}' (code 125)): was expecting"
                + " double-quote to start field name (line 1, column 14)");
        refused("{\"app\":\"web", "malformed JSON: Unexpected end-of-input: was expecting closing quote");
        refused("{\"app\":\"w\\xeb\"}", "malformed JSON: Unrecognized character escape 'x'");
        refused("{\"app\":\"a\nb\"}", "malformed JSON: Illegal unquoted character ((CTRL-CHAR, code 10))");
        refused("{\n\"generation\": 01}", "malformed JSON: Invalid numeric value: Leading zeroes not allowed");
        refused("{\"generation\": -}", "malformed JSON: Unexpected character ('}' (code 125)) in numeric value");
        refused("{\"generation\": 1.}", "malformed JSON: Unexpected character ('}' (code 125)) in numeric value");
        refused("{\"app\": tru}", "malformed JSON: Unrecognized token 'tru'");
        refused("{\"app\": nulls}", "malformed JSON: Unrecognized token 'nulls'");
        assertThatThrownBy(() -> RouterCodec.routeTable(new byte[] {'"', (byte) 0xC3, '"'}))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("malformed JSON: not UTF-8");
        assertThatThrownBy(() -> RouterCodec.routeTable(new byte[] {(byte) 0xFE, (byte) 0xFF, 0, '{', 0, '}'}))
                .as("UTF-16, which Jackson alone would detect and read").hasMessage("malformed JSON: not UTF-8");
        assertThatThrownBy(() -> RouterCodec.routeTable(new byte[] {'"', (byte) 0xC0, (byte) 0xAF, '"'}))
                .as("an overlong '/'").hasMessage("malformed JSON: not UTF-8");
    }

    @Test
    void refusesAFieldGivenTwiceNamingWhere() {
        refused("{\"app\":\"a\",\"app\":\"b\"}", "malformed JSON: Duplicate field 'app' (line 1, column");
        String table = new String(RouterCodec.json(TABLE), UTF_8);
        refused(table.replace("\"revision\":4,", "\"revision\":4,\"name\":\"again\","),
                "malformed JSON: Duplicate field 'name' at tracks[1] (line 1, column");
        assertThatThrownBy(() -> RouterCodec.listener("{\"listen\":\"127.0.0.1:1\",\"listen\":\"127.0.0.1:2\"}"
                .getBytes(UTF_8))).hasMessageContaining("Duplicate field 'listen'");
    }

    @Test
    void refusesAnythingAfterTheDocument() {
        String table = new String(RouterCodec.json(TABLE), UTF_8);
        refused(table + " {}", "malformed JSON: unexpected '{' after the document's end (line 1, column "
                + (table.length() + 2) + ")");
        refused(table + "\n]", "malformed JSON: Unexpected close marker ']'");
        refused(table + " 7", "malformed JSON: unexpected '7' after the document's end");
        assertThat(RouterCodec.routeTable((table + " \n").getBytes(UTF_8))).as("whitespace is no token")
                .isEqualTo(TABLE);
    }

    @Test
    void refusesNumbersThatAreNotWhole() {
        for (String number : List.of("1.5", "1.0", "1e3", "1E+2", "-0.0")) {
            refused("{\"app\":\"web\",\"generation\":" + number + ",\"tracks\":[]}",
                    "generation must be a whole number");
        }
        refused("{\"app\":\"web\",\"generation\":1,\"tracks\":[{\"name\":\"a\",\"revision\":1,"
                + "\"weightBasisPoints\":1e4,\"backends\":[]}]}", "tracks[0].weightBasisPoints must be a whole number");
        refused("{\"app\":\"web\",\"generation\":9223372036854775808,\"tracks\":[]}", "generation is out of range");
        refused("{\"app\":\"web\",\"generation\":1" + "0".repeat(1_000) + ",\"tracks\":[]}",
                "malformed JSON: Number value length (1001) exceeds the maximum allowed (1000");
        assertThat(RouterCodec.routeTable("{\"app\":\"web\",\"generation\":9223372036854775807,\"tracks\":[]}"
                .getBytes(UTF_8)).generation()).isEqualTo(Long.MAX_VALUE);
    }

    /** Deep nesting is refused at its first level the schema does not expect, and by the parser past 32 levels. */
    @Test
    void boundsNesting() throws Exception {
        refused("[".repeat(100_000), "expected an object");
        refused("{\"app\":" + "[".repeat(100_000), "app must be a string");
        refused("{\"app\":\"web\",\"generation\":1,\"tracks\":[" + "[".repeat(100_000),
                "expected an object at tracks[0]");
        try (JsonParser parser = RouterCodec.JSON.createParser("[".repeat(RouterCodec.MAX_DEPTH) + "]".repeat(
                RouterCodec.MAX_DEPTH))) {
            while (parser.nextToken() != null) {
                assertThat(parser.getParsingContext().getNestingDepth()).isLessThanOrEqualTo(RouterCodec.MAX_DEPTH);
            }
        }
        try (JsonParser parser = RouterCodec.JSON.createParser("[".repeat(RouterCodec.MAX_DEPTH + 1))) {
            assertThatThrownBy(() -> {
                while (parser.nextToken() != null) {
                    assertThat(parser.isExpectedStartArrayToken()).isTrue();
                }
            }).isInstanceOf(StreamConstraintsException.class).hasMessageContaining("(" + RouterCodec.MAX_DEPTH);
        }
    }

    private static void refused(String json, String reason) {
        assertThatThrownBy(() -> RouterCodec.routeTable(json.getBytes(UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(reason);
    }
}
