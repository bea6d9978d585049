package dev.deployguard.gitops;

import java.util.List;

/** How to tell that a commit's tree of the app's path deploys a given revision. */
public sealed interface Deployed {

    /**
     * The path's tree is the same as at this commit (what Argo CD and Flux record as the synced revision).
     *
     * @param sha a full or abbreviated commit id
     */
    record Commit(String sha) implements Deployed {
        public Commit {
            if (sha == null || !sha.matches("[0-9a-fA-F]{7,64}")) {
                throw new IllegalArgumentException("expected a commit id of 7 to 64 hex digits, got '" + sha + "'");
            }
        }
    }

    /**
     * A file under the path mentions one of these (an image reference, its {@code repo:tag}, its digest), as a whole
     * word: {@code shop:v1} does not match {@code shop:v10}.
     */
    record Mentions(List<String> needles) implements Deployed {
        public Mentions {
            needles = List.copyOf(needles);
            if (needles.isEmpty() || needles.stream().anyMatch(n -> n == null || n.isBlank())) {
                throw new IllegalArgumentException("expected at least one non-blank text to look for");
            }
        }

        /**
         * The ways a manifest can name this image: the whole reference, {@code repo:tag} without the digest, and
         * the digest alone.
         */
        public static Mentions image(String reference) {
            var out = new java.util.LinkedHashSet<String>();
            out.add(reference);
            int at = reference.indexOf('@');
            if (at > 0) {
                String named = reference.substring(0, at);
                if (named.lastIndexOf(':') > named.lastIndexOf('/')) {
                    out.add(named);
                }
                out.add(reference.substring(at + 1));
            }
            return new Mentions(List.copyOf(out));
        }
    }

    /** How this is shown in messages and events. */
    default String describe() {
        return this instanceof Commit c ? "commit " + c.sha() : String.join(" or ", ((Mentions) this).needles());
    }
}
