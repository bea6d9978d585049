package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.error.DeployGuardException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code deployguard token create|list|revoke}: API tokens with roles (needs an admin token). */
@Command(name = "token", description = "Create, list and revoke API tokens with roles (viewer, operator, admin).",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand implements Callable<Integer> {
    @ParentCommand
    DeployGuard root;

    @Override
    public Integer call() {
        throw DeployGuardException.badInput("missing subcommand: deployguard token create|list|revoke"
                + " (see: deployguard token --help)");
    }

    @Command(name = "create", description = "Create a token; its secret is printed once and never stored.")
    static final class Create implements Callable<Integer> {
        @ParentCommand
        TokenCommand parent;
        @Mixin
        Output out;
        @Option(names = "--role", required = true, paramLabel = "ROLE",
                description = "viewer (reads), operator (also deploys and acts on rollouts) or admin (also tokens,"
                        + " backups, delete)")
        String role;
        @Option(names = "--name", paramLabel = "NAME",
                description = "Who the token stands for, recorded as the actor of what it does (default: ROLE-xxxxxx)")
        String name;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("role", role);
            if (name != null) {
                body.put("name", name);
            }
            JsonNode r = parent.root.client().post("/api/tokens", body);
            out.print(r, () -> r.path("token").asText() + "\n");
            if (!out.machineReadable()) {
                System.err.println("created " + r.path("role").asText() + " token '" + r.path("name").asText()
                        + "'; the secret above is shown only now: store it (e.g. DEPLOYGUARD_TOKEN)");
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List tokens: name, role, created, last used (never secrets).")
    static final class ListTokens implements Callable<Integer> {
        @ParentCommand
        TokenCommand parent;
        @Mixin
        Output out;

        @Override
        public Integer call() {
            JsonNode r = parent.root.client().get("/api/tokens");
            out.print(r, () -> {
                var t = new Table("NAME", "ROLE", "CREATED", "BY", "LAST USED");
                for (JsonNode k : r.path("tokens")) {
                    t.row(k.path("name").asText(), k.path("role").asText(), when(k.path("createdAt")),
                            k.path("createdBy").asText(), when(k.path("lastUsedAt")));
                }
                return t.toString();
            });
            return 0;
        }

        private static String when(JsonNode n) {
            return n.isNull() || n.isMissingNode() ? "-" : Output.when(n);
        }
    }

    @Command(name = "revoke", description = "Revoke a token at once: requests with it are refused from then on.")
    static final class Revoke implements Callable<Integer> {
        @ParentCommand
        TokenCommand parent;
        @Mixin
        Output out;
        @Parameters(index = "0", paramLabel = "NAME", description = "The token's name (see: deployguard token list)")
        String name;

        @Override
        public Integer call() {
            JsonNode r = parent.root.client().post("/api/tokens/" + ApiClient.enc(name) + "/revoke", Map.of());
            out.print(r, () -> r.path("message").asText() + "\n");
            return 0;
        }
    }
}
