package dev.deployguard.bench;

import java.util.Arrays;

/** Entry point of {@code bench/run NAME [options]}: each benchmark prints one JSON document on stdout. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: bench/run router|detection [--quick] [--json]");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "router" -> dev.deployguard.bench.router.RouterBench.main(rest);
            case "detection" -> dev.deployguard.bench.detection.DetectionBench.main(rest);
            default -> {
                System.err.println("unknown benchmark '" + args[0] + "'; expected router or detection");
                System.exit(2);
            }
        }
    }
}
