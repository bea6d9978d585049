package dev.deployguard.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BehaviourTest {

    @Test
    void parsesEveryKeyPerVersion() {
        Map<String, Behaviour> byVersion =
                Behaviour.parse("v2:errorRate=0.02,latencyMs=100;v3:ready=false;v4:startDelayMs=2000;"
                        + "v5:latencyMs=300,exitOnTerm=true");

        assertThat(byVersion).containsOnlyKeys("v2", "v3", "v4", "v5");
        assertThat(byVersion.get("v2")).isEqualTo(new Behaviour(0.02, 100, true, 0));
        assertThat(byVersion.get("v3")).isEqualTo(new Behaviour(0.0, 0, false, 0));
        assertThat(byVersion.get("v4")).isEqualTo(new Behaviour(0.0, 0, true, 2000));
        assertThat(byVersion.get("v5")).isEqualTo(new Behaviour(0.0, 300, true, 0, true));
    }

    @Test
    void cpuMsIsTheCpuBurnedPerRequestAndBurnUsesThatMuchThreadCpu() {
        assertThat(Behaviour.parse("v6:cpuMs=8").get("v6")).isEqualTo(new Behaviour(0.0, 0, true, 0, false, 8));
        assertThatThrownBy(() -> Behaviour.parse("v6:cpuMs=-1")).hasMessageContaining("cpuMs must be within");

        var bean = java.lang.management.ManagementFactory.getThreadMXBean();
        long before = bean.getCurrentThreadCpuTime();
        DemoApp.burn(30);
        assertThat(bean.getCurrentThreadCpuTime() - before).isGreaterThanOrEqualTo(30_000_000L);
    }

    @Test
    void unknownVersionIsHealthy() {
        Map<String, Behaviour> byVersion = Behaviour.parse("v2:errorRate=1.0");

        assertThat(Behaviour.forVersion(byVersion, "v1")).isEqualTo(Behaviour.HEALTHY);
    }

    @Test
    void blankOrMissingMeansAllHealthy() {
        assertThat(Behaviour.parse(null)).isEmpty();
        assertThat(Behaviour.parse("  ")).isEmpty();
    }

    @Test
    void toleratesSpacesAndTrailingSeparators() {
        Map<String, Behaviour> byVersion = Behaviour.parse(" v2 : errorRate = 0.5 , ; ");

        assertThat(byVersion.get("v2").errorRate()).isEqualTo(0.5);
    }

    @Test
    void rejectsMalformedTextWithAMessageNamingThePart() {
        assertThatThrownBy(() -> Behaviour.parse("v2errorRate=0.1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("v2errorRate=0.1");
        assertThatThrownBy(() -> Behaviour.parse("v2:errorRate"))
                .hasMessageContaining("expected key=value");
        assertThatThrownBy(() -> Behaviour.parse("v2:errorRate=lots"))
                .hasMessageContaining("errorRate is not a number");
        assertThatThrownBy(() -> Behaviour.parse("v2:colour=red"))
                .hasMessageContaining("unknown key 'colour'");
        assertThatThrownBy(() -> Behaviour.parse("v2:ready=maybe"))
                .hasMessageContaining("ready must be true or false");
        assertThatThrownBy(() -> Behaviour.parse("v2:errorRate=1.5"))
                .hasMessageContaining("version v2").hasMessageContaining("errorRate must be within 0..1");
        assertThatThrownBy(() -> Behaviour.parse("v2:latencyMs=1;v2:ready=false"))
                .hasMessageContaining("given twice");
    }
}
