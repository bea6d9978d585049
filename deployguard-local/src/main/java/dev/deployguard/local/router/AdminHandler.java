package dev.deployguard.local.router;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;

/**
 * Carries a one-app router's admin calls from Jetty to its {@link AdminApi}. A body is read whole (at most 1 MiB)
 * and the call then answered on a pool thread, since parsing and the fsync of the state file block.
 */
final class AdminHandler extends Handler.Abstract {
    private final AdminApi api;

    AdminHandler(AdminApi api) {
        this.api = api;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        String path = Request.getPathInContext(request);
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        Map<String, String> query = new HashMap<>();
        Fields fields = Request.extractQueryParameters(request);
        for (Fields.Field field : fields) {
            query.put(field.getName(), field.getValue());
        }
        if (!"PUT".equals(method)) {
            return send(api.handle(new AdminCall(method, path, query, authorization, null)), response, callback);
        }
        if (request.getLength() > AdminApi.MAX_BODY_BYTES) {
            return send(AdminReply.error(413, "request body larger than 1 MiB"), response, callback);
        }
        Content.Source.asByteArrayAsync(request, AdminApi.MAX_BODY_BYTES, Promise.Invocable.from(
                InvocationType.BLOCKING, (byte[] body, Throwable failure) -> {
                    if (failure != null) {
                        send(AdminReply.error(400, "could not read the body (at most 1 MiB): "
                                + failure.getMessage()), response, callback);
                    } else {
                        send(api.handle(new AdminCall(method, path, query, authorization, body)), response,
                                callback);
                    }
                }));
        return true;
    }

    private static boolean send(AdminReply reply, Response response, Callback callback) {
        response.setStatus(reply.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        if (reply.allow() != null) {
            response.getHeaders().put(HttpHeader.ALLOW, reply.allow());
        }
        if (reply.challenge()) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, AdminReply.CHALLENGE);
        }
        response.write(true, ByteBuffer.wrap(reply.body()), callback);
        return true;
    }
}
