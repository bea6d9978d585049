package dev.deployguard.local.router;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import java.util.List;

/**
 * Netty's request decoder, strict about framing: a request with both {@code Content-Length} and
 * {@code Transfer-Encoding} (the classic smuggling vector, RFC 9112 6.1) is malformed — Netty 4.2 refuses it
 * already, and the override below keeps it refused should Netty fall back to dropping {@code Content-Length} —, and
 * {@link #problem} names what makes a decoded request unfit to forward.
 */
final class RequestDecoder extends HttpRequestDecoder {
    /** Longest request line and header block accepted; longer ones are answered 400. */
    static final int MAX_INITIAL_LINE = 8 * 1024;
    static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final int MAX_CHUNK_BYTES = 64 * 1024;

    RequestDecoder() {
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE)
                .setMaxHeaderSize(MAX_HEADER_BYTES)
                .setMaxChunkSize(MAX_CHUNK_BYTES)
                .setAllowDuplicateContentLengths(false)
                .setStrictLineParsing(true)
                .setValidateHeaders(true));
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        message.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(
                "both Content-Length and Transfer-Encoding; send one of them")));
        super.handleTransferEncodingChunkedWithContentLength(message);
    }

    /** Why this request must not be forwarded, or null when it may be. */
    static String problem(HttpRequest request) {
        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            return reason(result.cause());
        }
        List<String> codings = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!codings.isEmpty()) {
            // Only plain "chunked" frames a request body unambiguously; anything else ("gzip, chunked", "xchunked",
            // two headers) is read differently by different servers, which is what smuggling feeds on.
            if (codings.size() > 1 || !codings.get(0).trim().equalsIgnoreCase("chunked")) {
                return "unsupported Transfer-Encoding '" + String.join(", ", codings) + "'; only chunked is accepted";
            }
            if (request.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                return "both Content-Length and Transfer-Encoding; send one of them";
            }
        }
        return null;
    }

    static String reason(Throwable cause) {
        String message = cause == null ? null : cause.getMessage();
        return "malformed request: " + (message == null || message.isBlank()
                ? cause == null ? "unknown" : cause.getClass().getSimpleName() : message);
    }
}
