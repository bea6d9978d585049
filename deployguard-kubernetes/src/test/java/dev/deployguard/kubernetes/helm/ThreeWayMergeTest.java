package dev.deployguard.kubernetes.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@link ThreeWayMerge}: helm's three-way merge (helm/helm pkg/kube/client.go, createPatch) on JSON objects. */
class ThreeWayMergeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    @Test
    void fieldsOnlyTheLiveObjectHasAreKeptAndTheChartsChangesWritten() throws Exception {
        JsonNode original = json("{'spec':{'template':{'image':'a:1'}},'metadata':{'labels':{'x':'1'}}}");
        JsonNode live = json("{'spec':{'replicas':3,'template':{'image':'a:1'}},'metadata':{'labels':{'x':'1',"
                + "'hpa':'on'},'uid':'u'}}");
        JsonNode target = json("{'spec':{'template':{'image':'a:2'}},'metadata':{'labels':{'x':'1'}}}");

        assertThat(ThreeWayMerge.merge(original, live, target)).isEqualTo(json("{'spec':{'replicas':3,"
                + "'template':{'image':'a:2'}},'metadata':{'labels':{'x':'1','hpa':'on'},'uid':'u'}}"));
    }

    @Test
    void whatTheOldManifestSetAndTheNewDropsIsRemoved() throws Exception {
        JsonNode original = json("{'spec':{'replicas':2,'paused':true}}");
        JsonNode live = json("{'spec':{'replicas':2,'paused':true,'minReadySeconds':5}}");
        JsonNode target = json("{'spec':{'paused':false}}");

        assertThat(ThreeWayMerge.merge(original, live, target))
                .isEqualTo(json("{'spec':{'paused':false,'minReadySeconds':5}}"));
    }

    @Test
    void namedListsMergeByNameKeepingElementsOthersAddedAndDroppingThoseTheChartRemoved() throws Exception {
        JsonNode original = json("{'c':[{'name':'web','image':'a:1'},{'name':'old','image':'o'}]}");
        JsonNode live = json("{'c':[{'name':'web','image':'a:1','tty':true},{'name':'old','image':'o'},"
                + "{'name':'sidecar','image':'s'}]}");
        JsonNode target = json("{'c':[{'name':'web','image':'a:2'}]}");

        assertThat(ThreeWayMerge.merge(original, live, target)).isEqualTo(json("{'c':[{'name':'web','image':'a:2',"
                + "'tty':true},{'name':'sidecar','image':'s'}]}"));
    }

    @Test
    void otherListsAreReplacedWhole() throws Exception {
        JsonNode live = json("{'args':['a','b'],'ports':[{'containerPort':80}]}");
        JsonNode target = json("{'args':['c'],'ports':[{'containerPort':8080}]}");

        assertThat(ThreeWayMerge.merge(null, live, target)).isEqualTo(target);
    }
}
