package dev.deployguard.supplychain.registry;

import dev.deployguard.spec.ImageSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Resolves an image tag to a digest, trying the primary registry and then each mirror in order. The first registry
 * that serves the tag decides; the attempts before it are kept as evidence.
 */
public final class ImageResolver {
    private final RegistryClient client;

    public ImageResolver(RegistryClient client) {
        this.client = client;
    }

    /** One registry asked: which host, and what went wrong there (null when it served). */
    public record Attempt(String host, RegistryException failure) {
        public boolean served() {
            return failure == null;
        }

        @Override
        public String toString() {
            return host + ": " + (failure == null ? "served" : failure.kind() + " (" + failure.getMessage() + ")");
        }
    }

    /**
     * A tag resolved to a digest.
     *
     * @param host     the registry that served it
     * @param mirror   true when that is not the primary
     * @param attempts every registry asked, in order, up to and including {@code host}
     */
    public record Resolution(String repository, String tag, String digest, String host, boolean mirror,
                             List<Attempt> attempts) {
        public Resolution {
            attempts = List.copyOf(attempts);
        }

        /** The hosts to read signatures from: the one that served first, then the others in the spec's order. */
        public List<String> hostsServedFirst(ImageSpec spec) {
            List<String> order = new ArrayList<>(List.of(host));
            spec.hosts().stream().filter(h -> !h.equals(host)).forEach(order::add);
            return order;
        }
    }

    /** No registry served the tag. {@link #unreachable()} is true when none even answered. */
    public static final class NotResolved extends Exception {
        private final transient List<Attempt> attempts;

        NotResolved(String message, List<Attempt> attempts) {
            super(message);
            this.attempts = List.copyOf(attempts);
        }

        public List<Attempt> attempts() {
            return attempts;
        }

        /** True when every registry was unreachable (so nothing is known about the tag). */
        public boolean unreachable() {
            return attempts.stream().allMatch(a -> a.failure().kind() == RegistryException.Kind.UNREACHABLE);
        }

        /** True when every registry that answered said the tag does not exist. */
        public boolean notFound() {
            var answered = attempts.stream().filter(a -> a.failure().kind() != RegistryException.Kind.UNREACHABLE)
                    .toList();
            return !answered.isEmpty() && answered.stream()
                    .allMatch(a -> a.failure().kind() == RegistryException.Kind.NOT_FOUND);
        }
    }

    public Resolution resolve(ImageSpec spec, String version) throws NotResolved {
        String tag = spec.tagFor(version);
        List<Attempt> attempts = new ArrayList<>();
        for (String host : spec.hosts()) {
            try {
                Manifest m = client.manifest(host, spec.path(), tag);
                attempts.add(new Attempt(host, null));
                return new Resolution(spec.repository(), tag, m.digest(), host, !host.equals(spec.registry()),
                        attempts);
            } catch (RegistryException e) {
                attempts.add(new Attempt(host, e));
            }
        }
        String ref = spec.repository() + ":" + tag;
        String detail = attempts.stream().map(Attempt::toString).collect(Collectors.joining("; "));
        throw new NotResolved("cannot resolve " + ref + " on any of " + spec.hosts().size() + " registr"
                + (spec.hosts().size() == 1 ? "y" : "ies") + ": " + detail, attempts);
    }
}
