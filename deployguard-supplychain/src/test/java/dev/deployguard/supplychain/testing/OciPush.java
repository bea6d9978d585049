package dev.deployguard.supplychain.testing;

import dev.deployguard.supplychain.registry.Digests;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Test support: pushes blobs and manifests with the OCI distribution API (monolithic blob upload). */
public final class OciPush {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private OciPush() {
    }

    /** Uploads a blob; returns its digest. */
    public static String blob(String host, String path, byte[] content) throws IOException, InterruptedException {
        String digest = Digests.sha256(content);
        var start = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + path + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (start.statusCode() != 202) {
            throw new IOException("upload start answered " + start.statusCode() + ": " + start.body());
        }
        String location = start.headers().firstValue("Location").orElseThrow();
        URI loc = URI.create("http://" + host).resolve(location);
        String sep = loc.toString().contains("?") ? "&" : "?";
        var put = HTTP.send(HttpRequest.newBuilder(URI.create(loc + sep + "digest=" + digest))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
        if (put.statusCode() != 201) {
            throw new IOException("blob upload answered " + put.statusCode() + ": " + put.body());
        }
        return digest;
    }

    /** Puts a manifest under a tag (or digest); returns its digest. */
    public static String manifest(String host, String path, String reference, String mediaType, byte[] manifest)
            throws IOException, InterruptedException {
        var put = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + path + "/manifests/"
                        + reference)).header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build(), HttpResponse.BodyHandlers.ofString());
        if (put.statusCode() != 201) {
            throw new IOException("manifest put answered " + put.statusCode() + ": " + put.body());
        }
        return Digests.sha256(manifest);
    }

    /** GETs a path (e.g. to pull something through a mirror so that it caches it); returns the status. */
    public static int get(String host, String path, String accept) throws IOException, InterruptedException {
        var b = HttpRequest.newBuilder(URI.create("http://" + host + path));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
