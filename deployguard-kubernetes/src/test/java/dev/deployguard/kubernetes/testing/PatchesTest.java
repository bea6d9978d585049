package dev.deployguard.kubernetes.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The mock's patch shim must be correct where fabric8's own merge is not (arrays appended, nulls stored). */
class PatchesTest {
    private final ObjectMapper json = new ObjectMapper();

    private JsonNode j(String s) throws Exception {
        return json.readTree(s.replace('\'', '"'));
    }

    @Test
    void mergePatchDeletesNullsAndReplacesArrays() throws Exception {
        JsonNode out = Patches.merge(j("{'a':1,'b':{'c':2,'d':3},'l':[1,2]}"), j("{'a':null,'b':{'c':9},'l':[3]}"));
        assertThat(out).isEqualTo(j("{'b':{'c':9,'d':3},'l':[3]}"));
    }

    @Test
    void strategicMergeMergesContainersByNameAndHonoursDirectives() throws Exception {
        JsonNode target = j("{'spec':{'containers':[{'name':'web','image':'a:1','ports':[{'containerPort':80}]},"
                + "{'name':'side','image':'s:1'}],'args':['x','y']}}");
        JsonNode patch = j("{'spec':{'$setElementOrder/containers':[{'name':'web'},{'name':'side'}],"
                + "'containers':[{'name':'web','image':'a:2'},{'name':'side','$patch':'delete'}],"
                + "'$deleteFromPrimitiveList/args':['x']}}");
        assertThat(Patches.strategic(target, patch)).isEqualTo(j(
                "{'spec':{'containers':[{'name':'web','image':'a:2','ports':[{'containerPort':80}]}],'args':['y']}}"));
    }

    @Test
    void jsonPatchReplacesAddsRemovesAndTests() throws Exception {
        JsonNode out = Patches.jsonPatch(j("{'spec':{'template':{'x':1}},'metadata':{'annotations':{'a':'1'}}}"),
                j("[{'op':'replace','path':'/spec/template','value':{'y':2}},"
                        + "{'op':'add','path':'/metadata/annotations/b~1c','value':'2'},"
                        + "{'op':'remove','path':'/metadata/annotations/a'},"
                        + "{'op':'test','path':'/spec/template/y','value':2}]"));
        assertThat(out).isEqualTo(j("{'spec':{'template':{'y':2}},'metadata':{'annotations':{'b/c':'2'}}}"));
        assertThatThrownBy(() -> Patches.jsonPatch(out, j("[{'op':'test','path':'/spec/template/y','value':3}]")))
                .hasMessageContaining("test failed");
        assertThatThrownBy(() -> Patches.jsonPatch(out, j("[{'op':'replace','path':'/nope/x','value':3}]")))
                .hasMessageContaining("no value at /nope/x");
    }
}
