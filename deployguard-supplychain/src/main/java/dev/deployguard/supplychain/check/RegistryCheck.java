package dev.deployguard.supplychain.check;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.spec.ImageSpec;
import dev.deployguard.supplychain.registry.ImageResolver;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.registry.RegistryException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code registry}: the primary registry and each mirror answer {@code /v2/}, and the release's tag resolves to a
 * digest. PASS when the primary serves the tag, WARN when only a mirror does, FAIL when every registry that answers
 * says the tag does not exist, ERROR when no registry answers.
 */
public final class RegistryCheck implements Check {
    public static final String NAME = "registry";
    private final ImageSpec image;
    private final RegistryClient client;

    public RegistryCheck(ImageSpec image, RegistryClient client) {
        this.image = image;
        this.client = client;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult run(CheckContext context) {
        if (context.version() == null && image.tag().contains("${version}")) {
            return CheckResult.error(NAME, "cannot tell which tag of " + image.repository() + " to resolve: the tag is "
                    + image.tag() + " and no version was given", "pass the version to deploy (--version V)");
        }
        String version = context.version() == null ? "" : context.version();
        String ref = image.repository() + ":" + image.tagFor(version);
        List<String> answering = new ArrayList<>();
        List<String> silent = new ArrayList<>();
        for (String host : image.hosts()) {
            try {
                client.ping(host);
                answering.add(host);
            } catch (RegistryException e) {
                silent.add(host + " (" + e.getMessage() + ")");
            }
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("reference", ref);
        data.put("answering", answering);
        String pings = "/v2/ answers on " + (answering.isEmpty() ? "no registry" : String.join(", ", answering))
                + (silent.isEmpty() ? "" : "; no answer from " + String.join(", ", silent));
        ImageResolver.Resolution r;
        try {
            r = new ImageResolver(client).resolve(image, version);
        } catch (ImageResolver.NotResolved e) {
            if (e.notFound()) {
                return CheckResult.fail(NAME, "tag " + image.tagFor(version) + " does not exist: " + e.getMessage()
                        + "; " + pings, "push " + ref + " (and to each mirror), or deploy a version that exists")
                        .withData(data);
            }
            if (image.lastKnownGood() == ImageSpec.LastKnownGood.USE) {
                return CheckResult.warn(NAME, e.getMessage() + "; " + pings + "; lastKnownGood is use: a deploy"
                        + " now runs the last known-good release's pinned image instead", "start or reach the"
                        + " registry " + image.registry() + " to deploy the image that was asked for").withData(data);
            }
            return CheckResult.error(NAME, e.getMessage() + "; " + pings, "start or reach the registry "
                    + image.registry() + (image.mirrors().isEmpty() ? "; a mirror (image.mirrors) would let deploys"
                    + " go on while it is down" : " or one of its mirrors " + image.mirrors())).withData(data);
        }
        data.put("digest", r.digest());
        data.put("servedBy", r.host());
        data.put("mirror", r.mirror());
        if (!r.mirror()) {
            return CheckResult.pass(NAME, ref + " resolves to " + r.digest() + " on the primary registry " + r.host()
                    + "; " + pings).withData(data);
        }
        String primaryFailure = r.attempts().get(0).failure().getMessage();
        return CheckResult.warn(NAME, ref + " resolves to " + r.digest() + " only on mirror " + r.host()
                        + "; the primary " + image.registry() + " failed: " + primaryFailure + "; " + pings,
                "bring the primary registry " + image.registry() + " back (or push the tag to it); deploys use the"
                        + " mirror meanwhile").withData(data);
    }
}
