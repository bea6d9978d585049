package dev.deployguard.bench.router;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A minimal blocking HTTP/1.1 GET client over one keep-alive connection to 127.0.0.1, so that the client's own cost
 * is small and the same for every target. Not thread-safe: one per thread. Reconnects after a failure or a
 * {@code Connection: close}.
 */
final class MiniHttp implements Closeable {
    static final int VERSION_OTHER = 0;
    static final int VERSION_FAILED = -1;

    private static final byte[] HELLO = "hello from demo v".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_LINE = 8192;
    private static final int MAX_BODY = 1 << 20;

    private final int port;
    private final int timeoutMs;
    private final byte[] request;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private byte[] body = new byte[256];
    private int bodyLength;
    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;

    MiniHttp(int port, String path, int timeoutMs) {
        this.port = port;
        this.timeoutMs = timeoutMs;
        this.request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUser-Agent: dg-bench\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends one GET and reads the whole response; returns the status. Closes the connection on any failure. */
    int get() throws IOException {
        try {
            if (socket == null) {
                connect();
            }
            out.write(request);
            out.flush();
            return readResponse();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The demo version in the last body ("hello from demo v1" → 1), {@link #VERSION_OTHER} for any other body.
     */
    int lastVersion() {
        if (bodyLength <= HELLO.length || !Arrays.equals(body, 0, HELLO.length, HELLO, 0, HELLO.length)) {
            return VERSION_OTHER;
        }
        int value = 0;
        int i = HELLO.length;
        for (; i < bodyLength && body[i] >= '0' && body[i] <= '9'; i++) {
            value = value * 10 + (body[i] - '0');
            if (value > 1_000_000) {
                return VERSION_OTHER;
            }
        }
        return i == HELLO.length ? VERSION_OTHER : value;
    }

    /** Whether the last body came from a demo app (any version, any status text). */
    boolean lastFromDemo() {
        return lastVersion() > 0;
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(timeoutMs);
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), timeoutMs);
            in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            out = s.getOutputStream();
            socket = s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private int readResponse() throws IOException {
        readLine();
        // "HTTP/1.1 200 OK"
        if (lineLength < 12 || line[8] != ' ') {
            throw new IOException("bad status line: " + new String(line, 0, lineLength, StandardCharsets.US_ASCII));
        }
        int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        long contentLength = -1;
        boolean chunked = false;
        boolean close = line[7] == '0'; // HTTP/1.0
        for (int headers = 0; ; headers++) {
            if (headers > 200) {
                throw new IOException("too many response headers");
            }
            readLine();
            if (lineLength == 0) {
                break;
            }
            String header = new String(line, 0, lineLength, StandardCharsets.US_ASCII);
            int colon = header.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = header.substring(0, colon).trim();
            String value = header.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                contentLength = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                chunked = value.toLowerCase().contains("chunked");
            } else if (name.equalsIgnoreCase("Connection")) {
                close = value.equalsIgnoreCase("close");
            }
        }
        bodyLength = 0;
        if (chunked) {
            for (int chunks = 0; ; chunks++) {
                if (chunks > 10_000) {
                    throw new IOException("too many chunks");
                }
                readLine();
                String size = new String(line, 0, lineLength, StandardCharsets.US_ASCII);
                int semi = size.indexOf(';');
                int n = Integer.parseInt((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
                if (n == 0) {
                    // trailers until the empty line
                    for (int t = 0; t < 100; t++) {
                        readLine();
                        if (lineLength == 0) {
                            break;
                        }
                    }
                    break;
                }
                readBody(n);
                readLine();
            }
        } else if (contentLength >= 0) {
            if (contentLength > MAX_BODY) {
                throw new IOException("body too large: " + contentLength);
            }
            readBody((int) contentLength);
        } else if (status >= 200 && status != 204 && status != 304) {
            throw new IOException("response without length (status " + status + ")");
        }
        if (close) {
            close();
        }
        return status;
    }

    private void readBody(int n) throws IOException {
        if (bodyLength + n > MAX_BODY) {
            throw new IOException("body too large");
        }
        if (bodyLength + n > body.length) {
            body = Arrays.copyOf(body, Math.max(body.length * 2, bodyLength + n));
        }
        int read = 0;
        while (read < n) {
            int r = in.read(body, bodyLength + read, n - read);
            if (r < 0) {
                throw new EOFException("connection closed in the body");
            }
            read += r;
        }
        bodyLength += n;
    }

    private void readLine() throws IOException {
        lineLength = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed");
            }
            if (b == '\n') {
                if (lineLength > 0 && line[lineLength - 1] == '\r') {
                    lineLength--;
                }
                return;
            }
            if (lineLength == MAX_LINE) {
                throw new IOException("line too long");
            }
            line[lineLength++] = (byte) b;
        }
    }

    @Override
    public void close() {
        Socket s = socket;
        socket = null;
        in = null;
        out = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
