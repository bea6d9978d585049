package dev.deployguard.bench.router;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** nginx as the comparison proxy: 1 worker, upstream keep-alive, weighted like the router, on 127.0.0.1 only. */
final class Nginx {
    private static final List<Path> CANDIDATES = List.of(Path.of("/usr/sbin/nginx"), Path.of("/usr/bin/nginx"),
            Path.of("/usr/local/sbin/nginx"), Path.of("/usr/local/bin/nginx"));

    private Nginx() {
    }

    /** The nginx binary, or null when none is installed. */
    static Path find() {
        for (Path p : CANDIDATES) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nginx"))) {
                    return Path.of(dir, "nginx");
                }
            }
        }
        return null;
    }

    static String version(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "-v").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor(5, TimeUnit.SECONDS);
            return out.replace("nginx version: ", "");
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    static String config(Path dir, int listenPort, int v1Port, int v1Weight, int v2Port, int v2Weight) {
        String d = dir.toAbsolutePath().toString();
        return String.join("\n",
                "# DeployGuard router benchmark: nginx as a comparison proxy (1 worker, upstream keep-alive).",
                "daemon off;",
                "worker_processes 1;",
                "pid " + d + "/nginx.pid;",
                "error_log " + d + "/error.log warn;",
                "events {",
                "    worker_connections 1024;",
                "}",
                "http {",
                "    access_log off;",
                "    keepalive_requests 1000000;",
                "    client_body_temp_path " + d + "/client_body;",
                "    proxy_temp_path " + d + "/proxy;",
                "    fastcgi_temp_path " + d + "/fastcgi;",
                "    uwsgi_temp_path " + d + "/uwsgi;",
                "    scgi_temp_path " + d + "/scgi;",
                "    upstream app {",
                "        server 127.0.0.1:" + v1Port + " weight=" + v1Weight + ";",
                "        server 127.0.0.1:" + v2Port + " weight=" + v2Weight + ";",
                "        keepalive 64;",
                "        keepalive_requests 1000000;",
                "    }",
                "    server {",
                "        listen 127.0.0.1:" + listenPort + ";",
                "        location / {",
                "            proxy_pass http://app;",
                "            proxy_http_version 1.1;",
                "            proxy_set_header Connection \"\";",
                "        }",
                "    }",
                "}",
                "");
    }

    /** Writes the config into {@code dir} and starts nginx in the foreground; the caller waits for its port. */
    static Process start(Path binary, Path dir, String config) throws IOException {
        Files.createDirectories(dir);
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, config, StandardCharsets.UTF_8);
        return new ProcessBuilder(binary.toString(), "-p", dir.toAbsolutePath() + "/", "-c", conf.toString(),
                "-e", dir.resolve("error.log").toAbsolutePath().toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
    }
}
