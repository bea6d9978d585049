package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.gitops.git.GitFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The git side of the restore-commit tests, made anew for each test with the Debian {@code git} binary
 * ({@link GitFixture}): a bare repository {@code deploy.git} whose main has two commits — {@link #good()} brings
 * {@code apps/web/FILE} with image shop/web:v1 (and {@code apps/db/x.yaml}), {@link #bad()} changes it to
 * shop/web:v2 — pushed from a clone as a person would. What the control plane writes is cross-checked with the
 * same binary ({@link #assertRestoreCommit}).
 */
final class WebGitHistory implements BeforeEachCallback, AfterEachCallback {
    private final String file;
    private Path root;
    private GitFixture fx;
    private Path bare;
    private String good;
    private String bad;

    /** @param file the name of the app's manifest under {@code apps/web/} */
    WebGitHistory(String file) {
        this.file = file;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        root = Files.createTempDirectory("deployguard-git-");
        fx = new GitFixture(root);
        bare = fx.bare("deploy");
        Path work = fx.clone(bare, "dev");
        good = fx.commit(work, "web v1", "apps/web/" + file, "image: shop/web:v1\n", "apps/db/x.yaml", "a\n");
        bad = fx.commit(work, "web v2", "apps/web/" + file, "image: shop/web:v2\n");
        fx.git(work, "push", "-q", "origin", "main");
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        fx.close();
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** The commit that brought web v1. */
    String good() {
        return good;
    }

    /** The commit that brought web v2, main's head until something is pushed. */
    String bad() {
        return bad;
    }

    /** The bare repository's URL, as a spec's {@code gitops.git.url} names it. */
    String url() {
        return bare.toUri().toString();
    }

    /** A git:// URL on a loopback port where nothing listens: git is unreachable. */
    static String unreachableUrl() throws IOException {
        return "git://127.0.0.1:" + GitFixture.freePort() + "/deploy.git";
    }

    /** What {@code ref} of the bare repository points at. */
    String revParse(String ref) throws IOException {
        return fx.git(bare, "rev-parse", ref).strip();
    }

    /** main's head in the bare repository. */
    String head() throws IOException {
        return revParse("main");
    }

    /** Runs git in the bare repository; fails the test on a non-zero exit. */
    String git(String... args) throws IOException {
        return fx.git(bare, args);
    }

    /** True when {@code path} has the same tree at both commits ({@code git diff --quiet}). */
    boolean sameTree(String a, String b, String path) throws IOException {
        return fx.exitOf(bare, "diff", "--quiet", a, b, "--", path) == 0;
    }

    /**
     * {@code head} restores apps/web to the good commit, leaves apps/db as the bad commit has it, and its message
     * names both commits, the app and the actor.
     */
    void assertRestoreCommit(String head, String actor) throws IOException {
        assertThat(sameTree(good, head, "apps/web")).as("apps/web at %s as at the good commit", head).isTrue();
        assertThat(sameTree(bad, head, "apps/db")).as("apps/db untouched by %s", head).isTrue();
        assertThat(git("log", "-1", "--format=%B", head)).contains(good).contains(bad)
                .contains("DeployGuard-App: web").contains("DeployGuard-Actor: " + actor);
    }
}
