package dev.deployguard.gitops.git;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.gitops.Deployed;
import org.junit.jupiter.api.Test;

class PathTreesTest {
    @Test
    void anImageIsFoundAsAWholeReferenceOnly() {
        assertThat(PathTrees.containsWord("image: shop:v1\n", "shop:v1")).isTrue();
        assertThat(PathTrees.containsWord("image: \"reg/shop:v1\"", "reg/shop:v1")).isTrue();
        assertThat(PathTrees.containsWord("image: shop:v10\n", "shop:v1")).isFalse();
        assertThat(PathTrees.containsWord("image: shop:v1.1\n", "shop:v1")).isFalse();
        assertThat(PathTrees.containsWord("image: myreg/shop:v1", "reg/shop:v1")).isFalse();
        assertThat(PathTrees.containsWord("image: shop:v1-rc\nimage: shop:v1", "shop:v1")).isTrue();
        // A tag pinned by digest still names the tag, and the digest after the '@'.
        assertThat(PathTrees.containsWord("image: shop:v1@sha256:abc", "shop:v1")).isTrue();
        assertThat(PathTrees.containsWord("image: shop@sha256:abc\n", "sha256:abc")).isTrue();
    }

    @Test
    void anImageIsLookedForByItsWholeReferenceItsTagAndItsDigest() {
        assertThat(Deployed.Mentions.image("reg/shop:v2@sha256:abc").needles())
                .containsExactly("reg/shop:v2@sha256:abc", "reg/shop:v2", "sha256:abc");
        assertThat(Deployed.Mentions.image("reg:5000/shop@sha256:abc").needles())
                .containsExactly("reg:5000/shop@sha256:abc", "sha256:abc");
        assertThat(Deployed.Mentions.image("reg:5000/shop:v2").needles()).containsExactly("reg:5000/shop:v2");
    }
}
