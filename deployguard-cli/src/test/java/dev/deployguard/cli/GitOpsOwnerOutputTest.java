package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code status} and {@code history} name the GitOps owner the control plane answered (docs/gitops.md). */
class GitOpsOwnerOutputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OWNER = "{\"kind\":\"Application\",\"summary\":\"owned by Argo CD Application"
            + " argocd/shop, auto-sync with self-heal on\"}";

    @Test
    void statusShowsTheOwnerUnderTheDeployment() throws Exception {
        JsonNode status = JSON.readTree("{\"app\":\"web\",\"serving\":null,\"instances\":[],\"kubernetes\":"
                + "{\"namespace\":\"shop\",\"deployment\":\"web\",\"replicas\":3,\"availableReplicas\":3,"
                + "\"message\":\"complete\"},\"gitops\":" + OWNER + "}");

        assertThat(StatusCommand.render(status)).contains("  kubernetes: deployment shop/web, 3/3 available:"
                + " complete\n  gitops: owned by Argo CD Application argocd/shop, auto-sync with self-heal on\n");
    }

    @Test
    void historyShowsTheOwnerAboveTheTableAndNothingWithoutOne() throws Exception {
        JsonNode owned = JSON.readTree("{\"app\":\"web\",\"releases\":[],\"gitops\":" + OWNER + "}");
        JsonNode plain = JSON.readTree("{\"app\":\"web\",\"releases\":[]}");

        assertThat(HistoryCommand.table(owned)).startsWith("gitops: owned by Argo CD Application argocd/shop");
        assertThat(HistoryCommand.table(plain)).doesNotContain("gitops");
    }
}
