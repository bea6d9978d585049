package dev.deployguard.server.api;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.server.request.JsonBody;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reading a request's body within bounds: the JSON object of a call, or the rest of a refused call's body dropped so
 * the connection stays usable.
 */
final class RequestBody {
    /** The largest request body read (1 MiB): every body the API takes is a few fields of text. */
    static final int MAX_BODY = 1 << 20;
    private static final long MAX_DRAINED = 16L << 20;

    private RequestBody() {
    }

    /** A request's JSON object, read when a handler asks for it (a GET never does). */
    @FunctionalInterface
    interface Source {
        JsonBody read() throws IOException;
    }

    /**
     * The request's JSON object, read up to {@link #MAX_BODY} bytes: a larger body is refused (413) before it is
     * read in full, so a runaway client cannot fill the control plane's memory.
     */
    static JsonBody read(Request request, String endpoint) throws IOException {
        long declared = request.getLength();
        try (InputStream in = Content.Source.asInputStream(request)) {
            if (declared > MAX_BODY) {
                drain(in);
                throw new TooLarge(endpoint, declared + " bytes");
            }
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                drain(in);
                throw new TooLarge(endpoint, "more than " + MAX_BODY + " bytes");
            }
            return JsonBody.parse(new String(bytes, StandardCharsets.UTF_8), endpoint);
        }
    }

    /** Reads and drops a refused request's body, so the connection stays usable for the client's next request. */
    static void discard(Request request) {
        try (InputStream in = Content.Source.asInputStream(request)) {
            drain(in);
        } catch (IOException e) {
            // The client went away; nothing to answer on.
        }
    }

    /**
     * Reads and drops the rest of a refused body (up to {@link #MAX_DRAINED}): a server that closes a connection with
     * unread data makes the kernel reset it, and the client sees a broken connection instead of the 413 and its
     * message. Beyond that much, the connection is closed anyway.
     */
    private static void drain(InputStream in) throws IOException {
        byte[] sink = new byte[64 * 1024];
        long left = MAX_DRAINED;
        int n;
        while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) >= 0) {
            left -= n;
        }
    }

    /** A request body over the limit: bad input, answered with 413. */
    static final class TooLarge extends DeployGuardException {
        private static final long serialVersionUID = 1L;

        TooLarge(String endpoint, String size) {
            super(ExitCode.BAD_INPUT, "the body of " + endpoint + " is too large (" + size + "); the API takes at most "
                    + MAX_BODY / 1024 + " KiB per request (notes and titles are clipped far below that)");
        }
    }
}
