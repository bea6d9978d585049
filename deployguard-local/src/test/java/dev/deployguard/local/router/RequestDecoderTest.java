package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestDecoderTest {
    private static HttpRequest decode(String raw) {
        EmbeddedChannel channel = new EmbeddedChannel(new RequestDecoder());
        channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        HttpRequest request = channel.readInbound();
        channel.finishAndReleaseAll();
        return request;
    }

    @Test
    void aPlainRequestMayBeForwarded() {
        assertThat(RequestDecoder.problem(decode("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi")))
                .isNull();
        assertThat(RequestDecoder.problem(decode("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "2\r\nhi\r\n0\r\n\r\n"))).isNull();
    }

    @Test
    void ambiguousFramingIsRefusedWithItsReason() {
        assertThat(RequestDecoder.problem(decode("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")))
                .contains("Content-Length", "Transfer-Encoding");
        assertThat(RequestDecoder.problem(decode("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))).contains("chunked");
        assertThat(RequestDecoder.problem(decode("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))).isNotNull();
        assertThat(RequestDecoder.problem(decode("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n"
                + "Content-Length: 1\r\n\r\n0"))).contains("chunked");
        assertThat(RequestDecoder.problem(decode("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n")))
                .contains("chunked");
    }

    @Test
    void oversizedHeadersAreMalformed() {
        assertThat(RequestDecoder.problem(decode("GET / HTTP/1.1\r\nHost: a\r\nX: "
                + "a".repeat(RequestDecoder.MAX_HEADER_BYTES) + "\r\n\r\n"))).startsWith("malformed request:");
    }
}
