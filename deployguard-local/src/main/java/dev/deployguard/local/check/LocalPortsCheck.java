package dev.deployguard.local.check;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckNames;
import dev.deployguard.check.CheckResult;
import dev.deployguard.spec.LocalPlatformSpec.ListenAddress;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code local.ports}: the addresses the app's router must listen on (the public listen address and, for blue/green,
 * the preview address) are free, or already held by this app's own DeployGuard router — the usual case for every
 * deploy after the first. Anything else holding them would make the router fail to start mid-deploy.
 */
public final class LocalPortsCheck implements Check {
    private final List<Address> addresses;
    private final Predicate<ListenAddress> heldByOwnRouter;

    /** One address to check and the spec field it comes from (for the remedy). */
    public record Address(ListenAddress address, String field) {
    }

    /**
     * @param addresses       the addresses to check
     * @param heldByOwnRouter whether an address is held by this app's own, running DeployGuard router
     */
    public LocalPortsCheck(List<Address> addresses, Predicate<ListenAddress> heldByOwnRouter) {
        this.addresses = List.copyOf(addresses);
        this.heldByOwnRouter = heldByOwnRouter;
    }

    @Override
    public String name() {
        return CheckNames.LOCAL_PORTS;
    }

    @Override
    public CheckResult run(CheckContext context) {
        List<String> free = new ArrayList<>();
        List<String> own = new ArrayList<>();
        List<Address> busy = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (Address a : addresses) {
            switch (probe(a.address(), unknown)) {
                case FREE -> free.add(a.address().toString());
                case IN_USE -> {
                    if (heldByOwnRouter.test(a.address())) {
                        own.add(a.address().toString());
                    } else {
                        busy.add(a);
                    }
                }
                default -> {
                    // the reason is already in unknown
                }
            }
        }
        if (!busy.isEmpty()) {
            var sb = new StringBuilder();
            for (Address a : busy) {
                sb.append(sb.length() == 0 ? "" : "; ").append("port ").append(a.address().port()).append(" (")
                        .append(a.address()).append(") is in use by another process");
            }
            String fields = String.join(" or ", busy.stream().map(Address::field).toList());
            return CheckResult.fail(name(), sb.toString(), "stop what listens there (e.g. ss -ltnp 'sport = :"
                    + busy.get(0).address().port() + "') or change " + fields)
                    .withData(Map.of("busy", busy.stream().map(a -> a.address().toString()).toList()));
        }
        if (!unknown.isEmpty()) {
            return CheckResult.error(name(), String.join("; ", unknown),
                    "check " + String.join(" and ", addresses.stream().map(Address::field).toList())
                            + ": the host must be an address of this machine (e.g. 127.0.0.1 or 0.0.0.0), and ports"
                            + " below 1024 need privileges");
        }
        var sb = new StringBuilder();
        if (!free.isEmpty()) {
            sb.append(String.join(", ", free)).append(free.size() == 1 ? " is free" : " are free");
        }
        if (!own.isEmpty()) {
            sb.append(sb.length() == 0 ? "" : "; ").append(String.join(", ", own))
                    .append(own.size() == 1 ? " is" : " are").append(" held by this app's own DeployGuard router");
        }
        return CheckResult.pass(name(), sb.toString());
    }

    private enum Probe { FREE, IN_USE, UNKNOWN }

    private static Probe probe(ListenAddress a, List<String> unknown) {
        InetSocketAddress socket = new InetSocketAddress(a.host(), a.port());
        if (socket.isUnresolved()) {
            unknown.add("cannot tell whether " + a + " is free: host '" + a.host() + "' does not resolve");
            return Probe.UNKNOWN;
        }
        try (var s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(socket);
            return Probe.FREE;
        } catch (BindException e) {
            if (String.valueOf(e.getMessage()).contains("in use")) {
                return Probe.IN_USE;
            }
            unknown.add("cannot tell whether " + a + " is free: " + e.getMessage());
            return Probe.UNKNOWN;
        } catch (IOException | SecurityException e) {
            unknown.add("cannot tell whether " + a + " is free: " + e.getMessage());
            return Probe.UNKNOWN;
        }
    }
}
