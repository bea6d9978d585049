package dev.deployguard.supplychain.testing;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Test support: builds a small image from scratch with Jib core and pushes it to a registry. */
public final class TestImages {
    private TestImages() {
    }

    /**
     * Pushes {@code host/path:tag}, an image whose one layer holds a file with {@code content} (so different
     * contents give different digests); returns the manifest digest.
     */
    public static String push(String host, String path, String tag, String content) throws Exception {
        Path work = Files.createTempDirectory("dg-image");
        try {
            Path file = work.resolve("version.txt");
            Files.writeString(file, content, StandardCharsets.UTF_8);
            var container = Jib.fromScratch()
                    .addLayer(List.of(file), AbsoluteUnixPath.get("/app"))
                    .setEntrypoint("/app/version.txt")
                    .containerize(Containerizer.to(RegistryImage.named(host + "/" + path + ":" + tag))
                            .setAllowInsecureRegistries(true)
                            .setApplicationLayersCache(work.resolve("cache"))
                            .setBaseImageLayersCache(work.resolve("base-cache")));
            return container.getDigest().toString();
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
