package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The periodic C-heap trim is passed only to a JVM that knows the option (an older one would refuse to start). */
class RouterJvmOptionsTest {
    private static final String TRIM = "-XX:TrimNativeHeapInterval=1000";

    @Test
    void theTrimIsAskedOfJvmsThatHaveIt() {
        assertThat(RouterLauncher.defaultJvmOptions(Runtime.Version.parse("17.0.8"))).doesNotContain(TRIM);
        assertThat(RouterLauncher.defaultJvmOptions(Runtime.Version.parse("17.0.9"))).contains(TRIM)
                .containsSubsequence("-XX:+UnlockExperimentalVMOptions", TRIM);
        assertThat(RouterLauncher.defaultJvmOptions(Runtime.Version.parse("21"))).doesNotContain(TRIM);
        assertThat(RouterLauncher.defaultJvmOptions(Runtime.Version.parse("21.0.1"))).contains(TRIM);
        assertThat(RouterLauncher.defaultJvmOptions(Runtime.Version.parse("22"))).contains(TRIM);
        assertThat(RouterLauncher.defaultJvmOptions(Runtime.Version.parse("19.0.2"))).doesNotContain(TRIM);
        assertThat(RouterLauncher.defaultJvmOptions(Runtime.Version.parse("17.0.15"))).contains("-Xmx128m",
                "-XX:+UseSerialGC", "-Xmn4m")
                .as("tiered compilation kept: C1 alone costs throughput, C2 alone the restart time")
                .noneMatch(option -> option.startsWith("-XX:TieredStopAtLevel")
                        || option.contains("TieredCompilation"));
    }
}
