package dev.deployguard.local.check;

import dev.deployguard.local.router.AppListener;
import dev.deployguard.local.router.HostRouterMain;
import dev.deployguard.spec.LocalPlatformSpec.ListenAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Tells whether an address is held by one of this app's own DeployGuard routers (its main router or its blue/green
 * preview router, {@code APP-preview}). It looks at the running processes rather than the store, so it answers the
 * same in the control plane and in a {@code deployguard check} run beside it, which cannot open the store: a router
 * is a running host router ({@code HostRouterMain --state-dir DIR}) whose state directory holds the app's listener
 * at that address (plain or HTTPS).
 */
public final class OwnRouter implements Predicate<ListenAddress> {
    private final Set<String> routerNames;

    public OwnRouter(String app) {
        this.routerNames = Set.of(app, app + "-preview");
    }

    @Override
    public boolean test(ListenAddress address) {
        String listen = address.toString();
        return routers(HostRouterMain.class).map(args -> value(args, "--state-dir")).filter(Objects::nonNull)
                .distinct().anyMatch(dir -> routerNames.stream()
                        .flatMap(name -> AppListener.readFrom(Path.of(dir), name).stream())
                        .anyMatch(l -> listen.equals(l.listen()) || listen.equals(l.tlsListen())));
    }

    private static Stream<List<String>> routers(Class<?> main) {
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .map(p -> p.info().arguments().map(List::of).orElse(List.of()))
                .filter(args -> args.contains(main.getName()));
    }

    private static String value(List<String> args, String flag) {
        int i = args.indexOf(flag);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : null;
    }
}
