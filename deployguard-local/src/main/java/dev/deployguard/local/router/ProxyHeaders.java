package dev.deployguard.local.router;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * What the router changes in headers on the way through: hop-by-hop headers dropped both ways (RFC 9110 7.6.1),
 * and on requests {@code Forwarded} (RFC 7239), {@code X-Forwarded-For/-Proto/-Host} and {@code Via} added, so the
 * app sees the user's address and the host it was asked for. The user's {@code Host} is kept.
 */
final class ProxyHeaders {
    private static final List<CharSequence> HOP_BY_HOP = List.of(HttpHeaderNames.CONNECTION,
            AsciiString.cached("keep-alive"), AsciiString.cached("proxy-connection"), HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE, HttpHeaderNames.PROXY_AUTHENTICATE,
            HttpHeaderNames.PROXY_AUTHORIZATION);
    private static final String VIA = "1.1 deployguard";

    private ProxyHeaders() {
    }

    /** Removes hop-by-hop headers, including those the Connection header names; keeps Transfer-Encoding (framing). */
    static void dropHopByHop(HttpMessage message) {
        HttpHeaders headers = message.headers();
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
                for (String name : value.split(",")) {
                    String n = name.trim();
                    if (!n.isEmpty() && !n.equalsIgnoreCase("close") && !n.equalsIgnoreCase("keep-alive")) {
                        headers.remove(n);
                    }
                }
            }
        }
        for (CharSequence name : HOP_BY_HOP) {
            headers.remove(name);
        }
    }

    /** Adds the forwarding headers to a request from {@code client} received on {@code local} (over TLS: secure). */
    static void addForwarded(HttpHeaders headers, SocketAddress client, SocketAddress local, boolean secure) {
        String proto = secure ? "https" : "http";
        String forAddress = address(client);
        String host = headers.get(HttpHeaderNames.HOST);
        StringBuilder forwarded = new StringBuilder(96)
                .append("by=").append(node(address(local)))
                .append(";for=").append(node(forAddress));
        if (host != null) {
            forwarded.append(";host=").append(quoted(host));
        }
        forwarded.append(";proto=").append(proto);
        append(headers, "Forwarded", forwarded.toString());
        append(headers, "X-Forwarded-For", forAddress);
        if (!headers.contains("X-Forwarded-Proto")) {
            headers.set("X-Forwarded-Proto", proto);
        }
        if (host != null && !headers.contains("X-Forwarded-Host")) {
            headers.set("X-Forwarded-Host", host);
        }
        append(headers, HttpHeaderNames.VIA, VIA);
    }

    private static void append(HttpHeaders headers, CharSequence name, String value) {
        String old = headers.get(name);
        headers.set(name, old == null ? value : old + ", " + value);
    }

    static String address(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return "unknown";
    }

    // RFC 7239 section 6: IPv6 nodes are bracketed and quoted.
    private static String node(String address) {
        return address.indexOf(':') >= 0 ? "\"[" + address + "]\"" : address;
    }

    private static String quoted(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_')) {
                return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            }
        }
        return value;
    }
}
