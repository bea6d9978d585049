package dev.deployguard.local.router;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;

/**
 * Jetty's reverse proxy, sending each request to the backend {@link RoutingHandler} picked for it and marking
 * requests whose backend could not be reached or did not answer.
 */
final class BackendProxy extends ProxyHandler.Reverse {
    /** Longer than any sane app response, shorter than forever: a hung backend ends as a 504, not a stuck client. */
    static final long BACKEND_IDLE_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(60);
    // Below the JDK HttpServer's 30 s keep-alive so the router, not the backend, closes idle connections; otherwise a
    // request can race onto a connection the backend is closing.
    private static final long POOL_IDLE_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(15);
    private static final long CONNECT_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(2);
    private static final int MAX_CONNECTIONS_PER_BACKEND = 256;

    BackendProxy() {
        super(BackendProxy::target);
        setUseServerThreadPool(true);
        // The default looks up the local host name, which can stall on a machine without DNS.
        setViaHost("deployguard");
    }

    // Sending a request and wiring its callbacks never blocks, so Jetty may run it on the selector thread that read
    // the request instead of handing it to another thread: one context switch fewer per request.
    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    private static HttpURI target(Request request) {
        ProxiedExchange exchange = ProxiedExchange.of(request);
        return HttpURI.build(exchange.target().origin() + request.getHttpURI().getPathQuery());
    }

    @Override
    protected HttpClient newHttpClient() {
        ClientConnector connector = new ClientConnector() {
            @Override
            protected SslContextFactory.Client newSslContextFactory() {
                return new PlainHttpOnly();
            }
        };
        connector.setSelectors(1);
        connector.setTCPNoDelay(true);
        connector.setConnectTimeout(Duration.ofMillis(CONNECT_TIMEOUT_MS));
        var transport = new HttpClientTransportOverHTTP(connector);
        // The proxy handles backend responses asynchronously: let the selector run them instead of handing each to
        // a pool thread (fewer context switches per request, measured by bench/run router).
        transport.setInvocationType(org.eclipse.jetty.util.thread.Invocable.InvocationType.NON_BLOCKING);
        return new HttpClient(transport);
    }

    /**
     * Backends are plain HTTP on this host; starting a real TLS factory would load the JDK trust store, a good part
     * of a second of router start-up on a busy 2-core machine, for nothing.
     */
    private static final class PlainHttpOnly extends SslContextFactory.Client {
        @Override
        protected void doStart() {
            // Never used: no backend URI is https.
        }
    }

    @Override
    protected void configureHttpClient(HttpClient client) {
        super.configureHttpClient(client);
        client.setMaxConnectionsPerDestination(MAX_CONNECTIONS_PER_BACKEND);
        client.setMaxRequestsQueuedPerDestination(4096);
        client.setIdleTimeout(POOL_IDLE_TIMEOUT_MS);
        client.setConnectTimeout(CONNECT_TIMEOUT_MS);
        client.setUserAgentField(null);
    }

    @Override
    protected org.eclipse.jetty.client.Request newProxyToServerRequest(Request clientToProxyRequest,
                                                                       HttpURI newHttpURI) {
        return super.newProxyToServerRequest(clientToProxyRequest, newHttpURI)
                .idleTimeout(BACKEND_IDLE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void onServerToProxyResponseFailure(Request clientToProxyRequest,
                                                  org.eclipse.jetty.client.Request proxyToServerRequest,
                                                  org.eclipse.jetty.client.Response serverToProxyResponse,
                                                  Response proxyToClientResponse, Callback proxyToClientCallback,
                                                  Throwable failure) {
        ProxiedExchange.of(clientToProxyRequest).markProxyError();
        super.onServerToProxyResponseFailure(clientToProxyRequest, proxyToServerRequest, serverToProxyResponse,
                proxyToClientResponse, proxyToClientCallback, failure);
    }
}
