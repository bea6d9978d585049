package dev.deployguard.gitops.git;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Git's smart HTTP on 127.0.0.1: the Debian {@code git http-backend} CGI behind a JDK HTTP server that demands Basic
 * authentication with one user and password, as a hosted git service demands a token. Every Authorization header
 * received is kept, so a test can see the credentials were sent (and where they must not appear).
 */
public final class GitHttpBackend implements AutoCloseable {
    private final HttpServer server;
    private final Path projectRoot;
    private final String expected;
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    public GitHttpBackend(Path projectRoot, String user, String password) throws IOException {
        this.projectRoot = projectRoot;
        this.expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The URL of bare repository {@code name}.git under the project root. */
    public String url(String name) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + name + ".git";
    }

    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth != null) {
                authorizations.add(auth);
            }
            if (!expected.equals(auth)) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"git\"");
                ex.sendResponseHeaders(401, -1);
                return;
            }
            ProcessBuilder pb = new ProcessBuilder("git", "http-backend");
            var env = pb.environment();
            env.put("GIT_PROJECT_ROOT", projectRoot.toString());
            env.put("GIT_HTTP_EXPORT_ALL", "1");
            env.put("GIT_CONFIG_NOSYSTEM", "1");
            env.put("REMOTE_USER", "deployguard");
            env.put("REMOTE_ADDR", "127.0.0.1");
            env.put("REQUEST_METHOD", ex.getRequestMethod());
            env.put("PATH_INFO", ex.getRequestURI().getRawPath());
            env.put("QUERY_STRING", ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery());
            String type = ex.getRequestHeaders().getFirst("Content-Type");
            env.put("CONTENT_TYPE", type == null ? "" : type);
            String encoding = ex.getRequestHeaders().getFirst("Content-Encoding");
            if (encoding != null) {
                env.put("HTTP_CONTENT_ENCODING", encoding);
            }
            String protocol = ex.getRequestHeaders().getFirst("Git-Protocol");
            if (protocol != null) {
                env.put("GIT_PROTOCOL", protocol);
            }
            byte[] body = ex.getRequestBody().readAllBytes();
            if (body.length > 0) {
                env.put("CONTENT_LENGTH", Integer.toString(body.length));
            }
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(body);
            }
            respond(ex, p.getInputStream());
        }
    }

    /** Copies the CGI answer: its headers (with {@code Status:}), then the body. */
    private static void respond(HttpExchange ex, InputStream cgi) throws IOException {
        int status = 200;
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = cgi.read(); b >= 0; b = cgi.read()) {
            if (b != '\n') {
                line.write(b);
                continue;
            }
            String header = line.toString(StandardCharsets.UTF_8).strip();
            line.reset();
            if (header.isEmpty()) {
                break;
            }
            int colon = header.indexOf(':');
            String name = header.substring(0, colon).strip();
            String value = header.substring(colon + 1).strip();
            if (name.equalsIgnoreCase("Status")) {
                status = Integer.parseInt(value.substring(0, 3));
            } else {
                ex.getResponseHeaders().add(name, value);
            }
        }
        byte[] rest = cgi.readAllBytes();
        ex.sendResponseHeaders(status, rest.length == 0 ? -1 : rest.length);
        if (rest.length > 0) {
            ex.getResponseBody().write(rest);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
