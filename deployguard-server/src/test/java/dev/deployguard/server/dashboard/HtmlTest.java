package dev.deployguard.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Escaping of user data in HTML text, attributes and embedded JSON. */
class HtmlTest {
    @Test
    void textIsEscapedForContentAndBothAttributeQuotes() {
        String hostile = "<img src=x onerror=\"alert('x')\">&amp;";
        String out = new Html().raw("<td title=\"").text(hostile).raw("\">").text(hostile).raw("</td>").toString();
        assertThat(out).isEqualTo("<td title=\"&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;amp;\">"
                + "&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;amp;</td>");
        assertThat(new Html().text(null).toString()).isEmpty();
    }

    @Test
    void jsonInAScriptBlockCannotCloseIt() {
        String json = "{\"why\":\"</script><script>alert(1)</script>\",\"a\":\"<!--\",\"b\":\"x & y\"}";
        String out = Html.scriptJson(json);
        assertThat(out).doesNotContain("<").doesNotContain(">").doesNotContain("&");
        assertThat(out).contains("\\u003c/script\\u003e");
    }

    @Test
    void linkSegmentsAreEncoded() {
        assertThat(Html.segment("a b/c?d")).isEqualTo("a%20b%2Fc%3Fd");
    }
}
