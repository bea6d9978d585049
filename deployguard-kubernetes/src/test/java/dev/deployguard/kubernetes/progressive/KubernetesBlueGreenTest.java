package dev.deployguard.kubernetes.progressive;

import static dev.deployguard.kubernetes.progressive.AppObjects.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.kubernetes.progressive.KubernetesBlueGreen.Slot;
import dev.deployguard.kubernetes.traffic.CrudApiServer;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KubernetesBlueGreenTest {
    private CrudApiServer api;
    private AppObjects app;
    private KubernetesBlueGreen blueGreen;

    @BeforeEach
    void startServer() {
        api = new CrudApiServer();
        KubernetesClient client = api.newClient();
        app = new AppObjects(client);
        blueGreen = new KubernetesBlueGreen(client, new AppWorkload(NS, "web", "web"));
    }

    @AfterEach
    void stopServer() {
        api.close();
    }

    /** The app moved into slot blue (v1) and v2 started in green. */
    private void v2InGreen() {
        app.deployment();
        app.service();
        assertThat(blueGreen.deploy(null, "shop/web:v2", "v2")).isEmpty();
        app.rolledOut("web-blue");
        assertThat(blueGreen.deploy(null, "shop/web:v2", "v2")).contains(Slot.GREEN);
    }

    @Test
    void theFirstDeployMovesTheAppIntoBlueUnchangedBeforeAnythingNewStarts() {
        app.deployment();
        Service service = app.service();

        assertThat(blueGreen.deploy(null, "shop/web:v2", "v2")).isEmpty();

        Deployment blue = app.get("web-blue");
        assertThat(blue.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("shop/web:v1");
        assertThat(blue.getSpec().getTemplate().getMetadata().getLabels())
                .isEqualTo(Map.of("app", "web", "deployguard.dev/slot", "blue"));
        assertThat(blue.getSpec().getSelector().getMatchLabels())
                .isEqualTo(Map.of("app", "web", "deployguard.dev/slot", "blue"));
        assertThat(blue.getSpec().getReplicas()).isEqualTo(3);
        assertThat(app.getService("web")).isEqualTo(service);
        assertThat(app.get("web-green")).isNull();
        assertThat(blueGreen.deploy(null, "shop/web:v2", "v2")).isEmpty();
        assertThat(app.get("web-green")).isNull();
    }

    @Test
    void theNewReleaseStartsInTheOtherSlotBehindThePreviewService() {
        v2InGreen();

        Deployment green = app.get("web-green");
        assertThat(green.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("shop/web:v2");
        assertThat(green.getSpec().getTemplate().getMetadata().getLabels())
                .isEqualTo(Map.of("app", "web", "deployguard.dev/slot", "green"));
        assertThat(green.getSpec().getReplicas()).isEqualTo(3);
        assertThat(green.getMetadata().getAnnotations()).containsEntry("kubernetes.io/change-cause", "v2");
        assertThat(app.getService("web").getSpec().getSelector())
                .isEqualTo(Map.of("app", "web", "deployguard.dev/slot", "blue"));
        assertThat(app.getService("web-preview").getSpec().getSelector())
                .isEqualTo(Map.of("app", "web", "deployguard.dev/slot", "green"));
        assertThat(blueGreen.live()).contains(Slot.BLUE);
        assertThat(blueGreen.ready(Slot.GREEN)).isFalse();
        app.rolledOut("web-green");
        assertThat(blueGreen.ready(Slot.GREEN)).isTrue();
    }

    @Test
    void promoteIsOneSelectorUpdateAndTheOldSlotStaysWarm() throws Exception {
        v2InGreen();
        app.rolledOut("web-green");
        Service before = app.getService("web");
        api.takeRequests();

        blueGreen.promote();

        assertThat(writes(api.takeRequests())).containsExactly("PUT /api/v1/namespaces/shop/services/web");
        Service after = app.getService("web");
        assertThat(after.getSpec().getSelector()).isEqualTo(Map.of("app", "web", "deployguard.dev/slot", "green"));
        assertThat(after.getSpec().getPorts()).isEqualTo(before.getSpec().getPorts());
        assertThat(after.getMetadata().getLabels()).isEqualTo(before.getMetadata().getLabels());
        assertThat(app.get("web-blue").getSpec().getReplicas()).isEqualTo(3);
    }

    @Test
    void abortAfterPromotionSwitchesBackFirstThenScalesTheNewSlotDown() throws Exception {
        v2InGreen();
        app.rolledOut("web-green");
        blueGreen.promote();
        api.takeRequests();

        blueGreen.abort();

        assertThat(writes(api.takeRequests())).containsExactly(
                "PUT /api/v1/namespaces/shop/services/web",
                "PUT /apis/apps/v1/namespaces/shop/deployments/web-green");
        assertThat(blueGreen.live()).contains(Slot.BLUE);
        assertThat(app.get("web-green").getSpec().getReplicas()).isZero();
        assertThat(app.get("web-blue").getSpec().getReplicas()).isEqualTo(3);
    }

    @Test
    void abortBeforePromotionOnlyScalesTheNewSlotDown() throws Exception {
        v2InGreen();
        api.takeRequests();

        blueGreen.abort();

        assertThat(writes(api.takeRequests()))
                .containsExactly("PUT /apis/apps/v1/namespaces/shop/deployments/web-green");
        assertThat(blueGreen.live()).contains(Slot.BLUE);
    }

    @Test
    void afterTheDelayTheIdleSlotIsScaledDownAndTheNextReleaseGoesThere() {
        v2InGreen();
        app.rolledOut("web-green");
        blueGreen.promote();

        blueGreen.scaleDownIdle();

        assertThat(app.get("web-blue").getSpec().getReplicas()).isZero();
        assertThat(app.get("web-green").getSpec().getReplicas()).isEqualTo(3);
        Optional<Slot> next = blueGreen.deploy(null, "shop/web:v3", "v3");
        assertThat(next).contains(Slot.BLUE);
        Deployment blue = app.get("web-blue");
        assertThat(blue.getSpec().getReplicas()).isEqualTo(3);
        assertThat(blue.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("shop/web:v3");
    }

    @Test
    void switchingToAScaledDownSlotIsRefused() {
        v2InGreen();
        app.rolledOut("web-green");
        blueGreen.promote();
        blueGreen.scaleDownIdle();
        Service before = app.getService("web");

        assertThatThrownBy(() -> blueGreen.switchTo(Slot.BLUE))
                .hasMessageContaining("slot blue (shop/web-blue) is scaled to 0");
        assertThat(app.getService("web")).isEqualTo(before);
        assertThatThrownBy(() -> new KubernetesBlueGreen(api.newClient(), new AppWorkload(NS, "api", "api"))
                .deploy(null, "x", "y")).hasMessageContaining("Service shop/api does not exist");
    }

    @Test
    void eachSlotRecordsTheAppRevisionItRunsAndObserveReportsBothServices() {
        app.deployment();
        app.service();
        KubernetesBlueGreen.Stamp stamp = new KubernetesBlueGreen.Stamp(1, 2, "alice");
        assertThat(blueGreen.deploy(null, "shop/web:v2", "v2", stamp)).isEmpty();
        app.rolledOut("web-blue");
        assertThat(blueGreen.deploy(null, "shop/web:v2", "v2", stamp)).contains(Slot.GREEN);

        SlotsView view = blueGreen.observe(null);

        assertThat(view.active()).isEqualTo(Slot.BLUE);
        assertThat(view.preview()).isEqualTo(Slot.GREEN);
        assertThat(view.previewExists()).isTrue();
        assertThat(view.slots()).extracting(s -> s.slot() + " " + s.deployment() + " " + s.revision() + " "
                        + s.image() + " " + s.deployedBy() + " " + s.desired() + " " + s.ready() + " " + s.rolledOut())
                .containsExactly("BLUE web-blue 1 shop/web:v1 alice 3 3 true",
                        "GREEN web-green 2 shop/web:v2 alice 3 0 false");
        assertThat(app.get("web-blue").getMetadata().getAnnotations())
                .containsEntry("deployguard.dev/revision", "1").containsEntry("deployguard.dev/deployed-by", "alice");

        blueGreen.deploy(null, "shop/web:v3", "v3");

        assertThat(app.get("web-green").getMetadata().getAnnotations()).as("a write that does not know the revision"
                + " drops the old one rather than name the wrong release")
                .doesNotContainKeys("deployguard.dev/revision", "deployguard.dev/deployed-by")
                .containsEntry("kubernetes.io/change-cause", "v3");
    }

    @Test
    void observeBeforeTheFirstDeploySeesNoSlots() {
        app.deployment();
        app.service();

        SlotsView view = blueGreen.observe(null);

        assertThat(view.active()).isNull();
        assertThat(view.preview()).isNull();
        assertThat(view.previewExists()).isFalse();
        assertThat(view.slots()).isEmpty();
    }

    private static List<String> writes(List<String> requests) {
        return requests.stream().filter(r -> !r.startsWith("GET ")).toList();
    }
}
