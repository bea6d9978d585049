package dev.deployguard.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class ChecklistRenderersTest {
    private static final ChecklistReport REPORT = new ChecklistReport("web", "1.4.2", ChecklistVerdict.NOT_READY,
            List.of(
                    CheckResult.pass("local.command", "./server exists and is executable")
                            .withTook(Duration.ofMillis(3)),
                    CheckResult.warn("local.disk", "120MB free", "free some space").withTook(Duration.ofMillis(1)),
                    CheckResult.fail("local.ports", "127.0.0.1:8080 is in use <by \"nginx\" & co>",
                            "stop what holds it").withTook(Duration.ofMillis(12)).withData(Map.of("port", 8080)),
                    CheckResult.error("registry", "no answer within 5s\u0001", "start the registry")
                            .withTook(Duration.ofSeconds(5)),
                    CheckResult.skipped("migrations", "left out by checks.skip in the spec")),
            Instant.parse("2026-11-26T01:02:03Z"), Duration.ofMillis(5004));

    @Test
    void tableListsEveryCheckAndTheVerdict() {
        String table = ChecklistTable.render(REPORT);

        assertThat(table.lines().findFirst().orElseThrow()).startsWith("STATUS").contains("CHECK", "TOOK",
                "EVIDENCE", "REMEDY");
        assertThat(table).contains("FAIL      local.ports     12ms   127.0.0.1:8080 is in use");
        assertThat(table).contains("stop what holds it");
        assertThat(table.strip().lines().reduce((a, b) -> b).orElseThrow()).isEqualTo(
                "NOT READY: web 1.4.2, 5 checks (1 passed, 1 warned, 1 failed, 1 cannot tell, 1 skipped) in 5.004s"
                        .replace("5.004s", "5004ms"));
    }

    @Test
    void jsonCarriesVerdictCountsAndEachResult() {
        JsonNode json = ChecklistJson.toJson(REPORT);

        assertThat(json.get("verdict").asText()).isEqualTo("NOT_READY");
        assertThat(json.get("ready").asBoolean()).isFalse();
        assertThat(json.get("version").asText()).isEqualTo("1.4.2");
        assertThat(json.get("tookMs").asLong()).isEqualTo(5004);
        assertThat(json.at("/counts/fail").asInt()).isEqualTo(1);
        assertThat(json.at("/counts/pass").asInt()).isEqualTo(1);
        assertThat(json.get("results")).hasSize(5);
        assertThat(json.at("/results/2/name").asText()).isEqualTo("local.ports");
        assertThat(json.at("/results/2/status").asText()).isEqualTo("FAIL");
        assertThat(json.at("/results/2/remedy").asText()).isEqualTo("stop what holds it");
        assertThat(json.at("/results/2/data/port").asInt()).isEqualTo(8080);
    }

    @Test
    void junitXmlParsesAndCountsFailuresErrorsAndSkips() throws Exception {
        String xml = ChecklistJunit.render(REPORT);

        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        Element suite = doc.getDocumentElement();
        assertThat(suite.getTagName()).isEqualTo("testsuite");
        assertThat(suite.getAttribute("tests")).isEqualTo("5");
        assertThat(suite.getAttribute("failures")).isEqualTo("1");
        assertThat(suite.getAttribute("errors")).isEqualTo("1");
        assertThat(suite.getAttribute("skipped")).isEqualTo("1");
        assertThat(suite.getAttribute("time")).isEqualTo("5.004");
        assertThat(suite.getAttribute("timestamp")).isEqualTo("2026-11-26T01:02:03");
        assertThat(doc.getElementsByTagName("testcase").getLength()).isEqualTo(5);
        Element failure = (Element) doc.getElementsByTagName("failure").item(0);
        assertThat(failure.getAttribute("message")).isEqualTo("127.0.0.1:8080 is in use <by \"nginx\" & co>");
        assertThat(failure.getTextContent()).isEqualTo(
                "127.0.0.1:8080 is in use <by \"nginx\" & co>\nremedy: stop what holds it");
        assertThat(((Element) failure.getParentNode()).getAttribute("name")).isEqualTo("local.ports");
        Element error = (Element) doc.getElementsByTagName("error").item(0);
        assertThat(error.getAttribute("message")).as("a control character is dropped, not fatal")
                .isEqualTo("no answer within 5s");
        assertThat(doc.getElementsByTagName("skipped").getLength()).isEqualTo(1);
        assertThat(doc.getElementsByTagName("system-out").item(0).getTextContent())
                .isEqualTo("WARN: 120MB free\nremedy: free some space");
    }

    @Test
    void escapeKeepsSupplementaryCharactersAndDropsUnpairedSurrogates() {
        assertThat(ChecklistJunit.escape("ok \uD83D\uDE80 bad \uD83D end")).isEqualTo("ok \uD83D\uDE80 bad  end");
    }
}
