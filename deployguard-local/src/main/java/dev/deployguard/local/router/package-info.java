/**
 * The data-plane router of the one-host platform: an OS process that carries the apps' user traffic to their
 * backends, split by weight between tracks, and keeps serving while the control plane stops or restarts.
 *
 * <p>The control plane runs one per host ({@link dev.deployguard.local.router.HostRouterMain}) for all its apps: each
 * app is a {@link dev.deployguard.local.router.HostedApp} with its own address (and optional HTTPS address and access
 * log), route table, state file and stats, on event loops all apps share; apps are added, changed and removed over
 * {@code PUT|DELETE /admin/apps/APP} while the others serve, and {@code /admin/apps/APP/...} is the per-app API below
 * ({@link dev.deployguard.local.router.AdminApi}, {@link dev.deployguard.local.router.RouterClient#forApp}). Its
 * files ({@code APP.listener.json}, {@code APP.routes.json}) bring every app back after a restart; one app's
 * unreadable file is set aside without touching the others. Its admin API is served on the same event loops by
 * {@link dev.deployguard.local.router.NettyAdminServer}: the router loads no Jetty.
 *
 * <p>The control plane starts it with {@link dev.deployguard.local.router.RouterLauncher} and talks to it with
 * {@link dev.deployguard.local.router.RouterClient} over an admin API on 127.0.0.1 that wants
 * {@code Authorization: Bearer <token file contents>}:
 * <ul>
 *   <li>{@code GET /admin/health} → {@link dev.deployguard.local.router.HostHealth}; {@code GET /admin/apps} →
 *       every app's {@link dev.deployguard.local.router.AppListener}; {@code GET|PUT|DELETE /admin/apps/APP}</li>
 *   <li>{@code GET /admin/apps/APP/health} → {@link dev.deployguard.local.router.RouterHealth}</li>
 *   <li>{@code GET /admin/apps/APP/routes} → the {@link dev.deployguard.traffic.RouteTable} in force</li>
 *   <li>{@code PUT /admin/apps/APP/routes} → replaces it (409 for an older generation, 400 for a malformed table), saved
 *       to the state file before it routes a request</li>
 *   <li>{@code GET /admin/apps/APP/metrics[?since=epochMs]} → {@link dev.deployguard.local.router.RouterMetrics}, with the
 *       backends the passive health check ejected in {@code backends}</li>
 *   <li>{@code GET /admin/apps/APP/inflight} → requests in flight per backend</li>
 * </ul>
 * Errors are {@code {"error": "..."}}. User requests may force a track with {@code X-DeployGuard-Track: NAME} or
 * {@code X-Canary: always}.
 *
 * <p>The user traffic runs on Netty ({@link dev.deployguard.local.router.TrafficServer}): a few event loops (one per
 * two cores; {@code -Ddeployguard.router.eventLoops=N}), native epoll where it loads, each request proxied on its
 * client connection's loop over that loop's pooled backend connections, bodies streamed. A backend that refuses or
 * resets a connection is ejected for a cool-down; a request that never reached the app (connect failure) is retried
 * on another backend of its track, and so is an idempotent body-less request after a reset or a status of the
 * retry list, within a retry budget ({@link dev.deployguard.local.router.RetryPolicy}). Malformed or ambiguous
 * requests (oversized headers, bad chunking, both Content-Length and Transfer-Encoding) are answered 400 and
 * never forwarded. WebSocket and other {@code Upgrade} requests pass through: a backend's 101 turns both
 * connections into a byte relay ({@link dev.deployguard.local.router.Tunnel}) that route changes leave alone. Body
 * size and timeouts are {@link dev.deployguard.local.router.RouterLimits} ({@code -Ddeployguard.router.*}).
 *
 * <p>HTTP/2 from users ({@link dev.deployguard.local.router.H2}): h2c by prior knowledge or {@code Upgrade: h2c} on
 * the public address, h2 by ALPN on the optional TLS address; each stream ({@link
 * dev.deployguard.local.router.H2Stream}) runs the same {@link dev.deployguard.local.router.Exchange} to an HTTP/1.1
 * backend as an HTTP/1.1 request does. TLS certificates come from PEM files re-read when they change
 * ({@link dev.deployguard.local.router.TlsFiles}); an {@link dev.deployguard.local.router.AccessLog} writes one
 * Combined Log Format line per request, plus track and latency.
 *
 * <p>{@link dev.deployguard.local.router.RouterLauncher#withSupervisor} (the control plane's default) runs the router
 * under a shell ({@link dev.deployguard.local.router.HostSupervisor}) that keeps two JVMs, the serving one and its
 * warm standby ({@link dev.deployguard.local.router.RouterStandby}), and starts a dead one again, from the state
 * files, as the same router (same reported pid), so the data plane heals without the control plane.
 *
 * <p>Memory (docs/benchmarks.md, "Router memory"): a host router runs from a jar of only its packages
 * ({@link dev.deployguard.local.router.RouterClassPath}), and reads and writes its JSON with
 * {@link dev.deployguard.local.router.RouterCodec} on jackson-core's streaming parser and generator instead of
 * Jackson's databind, which only {@link dev.deployguard.local.router.RouterClient} (in the control plane) uses; it
 * maps a class-data archive kept beside that jar ({@link dev.deployguard.local.router.RouterCds}), trained once per
 * jar in the background.
 */
package dev.deployguard.local.router;
