package dev.deployguard.local.router;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code --name value} arguments a router process is started with, parsed for {@link HostRouterConfig}: an
 * unknown option, a name without a value and missing required options are each an error naming them; a name given
 * twice keeps its last value.
 */
final class RouterArgs {
    private final Map<String, String> values;

    private RouterArgs(Map<String, String> values) {
        this.values = values;
    }

    /** Parses {@code args}; {@code required} (in the order they are named when missing) and {@code optional}. */
    static RouterArgs parse(List<String> required, Set<String> optional, String... args) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + name);
            }
            if (!required.contains(name) && !optional.contains(name)) {
                throw new IllegalArgumentException("unknown option " + name);
            }
            values.put(name, args[++i]);
        }
        List<String> missing = new ArrayList<>();
        for (String name : required) {
            if (!values.containsKey(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("missing " + String.join(", ", missing));
        }
        return new RouterArgs(values);
    }

    /** The value of {@code name}, or null when it was not given. */
    String get(String name) {
        return values.get(name);
    }

    /** The value of {@code name} as a path, or null when it was not given. */
    Path path(String name) {
        String value = values.get(name);
        return value == null ? null : Path.of(value);
    }

    /** The value of {@code --admin-port} as a number. */
    int adminPort() {
        String value = values.get("--admin-port");
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--admin-port is not a number: '" + value + "'", e);
        }
    }

    /** Checks an admin port of a config. */
    static void checkAdminPort(int adminPort) {
        if (adminPort < 1 || adminPort > 65_535) {
            throw new IllegalArgumentException("admin port must be within 1..65535, was " + adminPort);
        }
    }
}
