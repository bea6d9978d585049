package dev.deployguard.supplychain.registry;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Pushes blobs (monolithic upload: {@code POST /v2/<path>/blobs/uploads/}, then {@code PUT <location>?digest=}) and
 * manifests ({@code PUT /v2/<path>/manifests/<reference>}) through a {@link RegistryClient}, so the same credentials
 * and bearer-token flow apply, with a push scope. Used to write signatures; images are pushed by Jib.
 */
public final class RegistryUpload {
    private final RegistryClient client;

    public RegistryUpload(RegistryClient client) {
        this.client = client;
    }

    /** Uploads {@code content} unless the registry has it; returns its digest. */
    public String blob(String host, String path, byte[] content) throws RegistryException {
        String digest = Digests.sha256(content);
        String scope = scope(path);
        URI head = client.uri(host, "/v2/" + path + "/blobs/" + digest);
        HttpResponse<byte[]> exists = client.send(host, HttpRequest.newBuilder(head)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()), scope);
        if (exists.statusCode() == 200) {
            return digest;
        }
        URI start = client.uri(host, "/v2/" + path + "/blobs/uploads/");
        HttpResponse<byte[]> started = client.send(host, HttpRequest.newBuilder(start)
                .POST(HttpRequest.BodyPublishers.noBody()), scope);
        expect(host, started, 202, "POST " + start);
        String location = started.headers().firstValue("Location").orElseThrow(() -> new RegistryException(
                RegistryException.Kind.INVALID, host, "POST " + start + " answered 202 without a Location"));
        URI upload = start.resolve(location);
        String sep = upload.toString().contains("?") ? "&" : "?";
        URI put = URI.create(upload + sep + "digest=" + digest);
        HttpResponse<byte[]> done = client.send(host, HttpRequest.newBuilder(put)
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)), scope);
        expect(host, done, 201, "PUT blob " + digest);
        return digest;
    }

    /** Puts a manifest under a tag or digest; returns its digest. */
    public String manifest(String host, String path, String reference, String mediaType, byte[] manifest)
            throws RegistryException {
        URI uri = client.uri(host, "/v2/" + path + "/manifests/" + reference);
        HttpResponse<byte[]> r = client.send(host, HttpRequest.newBuilder(uri).header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)), scope(path));
        expect(host, r, 201, "PUT manifest " + path + ":" + reference);
        return Digests.sha256(manifest);
    }

    private static String scope(String path) {
        return "repository:" + path + ":pull,push";
    }

    private static void expect(String host, HttpResponse<byte[]> r, int status, String what)
            throws RegistryException {
        if (r.statusCode() == status) {
            return;
        }
        RegistryException.Kind kind = r.statusCode() == 401 || r.statusCode() == 403 ? RegistryException.Kind.DENIED
                : r.statusCode() >= 500 ? RegistryException.Kind.UNREACHABLE : RegistryException.Kind.INVALID;
        throw new RegistryException(kind, host, what + " answered " + r.statusCode()
                + (kind == RegistryException.Kind.DENIED ? "; give credentials that may push (docker login " + host
                + ")" : ""));
    }
}
