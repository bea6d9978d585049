package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.error.ExitCode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code platform.local.tls} and {@code platform.local.accessLog}: the router's HTTPS address and access log. */
class RouterOptionsSpecTest {
    private final SpecParser parser = new SpecParser();

    private static String app(String extra) {
        return "apps:\n  web:\n    platform:\n      local:\n        command: [srv, \"${port}\"]\n"
                + "        listen: 127.0.0.1:8080\n" + extra;
    }

    private Spec parse(String yaml) {
        return parser.parse(yaml, "test.yaml", Path.of("/srv/site"));
    }

    private List<String> problems(String yaml) {
        try {
            parse(yaml);
        } catch (SpecException e) {
            assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
            return e.problems();
        }
        throw new AssertionError("expected the spec to be rejected");
    }

    @Test
    void readsTlsAndAccessLogWithPathsRelativeToTheSpecFile() {
        LocalPlatformSpec web = parse(app("""
                        tls: {listen: "127.0.0.1:8443", cert: tls/cert.pem, key: /etc/keys/key.pem}
                        accessLog: ../logs/web-access.log
                """)).app("web").orElseThrow().local();
        assertThat(web.tls()).isEqualTo(new LocalPlatformSpec.Tls(new LocalPlatformSpec.ListenAddress("127.0.0.1",
                8443), Path.of("/srv/site/tls/cert.pem"), Path.of("/etc/keys/key.pem")));
        assertThat(web.accessLog()).isEqualTo(Path.of("/srv/logs/web-access.log"));
    }

    @Test
    void bothAreOptional() {
        LocalPlatformSpec web = parse(app("")).app("web").orElseThrow().local();
        assertThat(web.tls()).isNull();
        assertThat(web.accessLog()).isNull();
    }

    @Test
    void tlsNeedsAllThreeFields() {
        assertThat(problems(app("        tls: {listen: \"127.0.0.1:8443\", cert: c.pem}\n")))
                .singleElement().asString()
                .startsWith("apps.web.platform.local.tls: missing key;").contains("listen", "cert", "key");
        assertThat(problems(app("        tls: {key: k.pem}\n")))
                .singleElement().asString().startsWith("apps.web.platform.local.tls: missing listen, cert;");
    }

    @Test
    void tlsListenMustBeAnAddressOfItsOwn() {
        assertThat(problems(app("        tls: {listen: \"127.0.0.1:8080\", cert: c.pem, key: k.pem}\n")))
                .singleElement().asString()
                .startsWith("apps.web.platform.local.tls.listen: 127.0.0.1:8080 is also platform.local.listen");
        assertThat(problems(app("        tls: {listen: \"nowhere\", cert: c.pem, key: k.pem}\n")))
                .singleElement().asString().startsWith("apps.web.platform.local.tls.listen: expected host:port");
    }

    @Test
    void tlsListenCannotBeAnotherAppsAddress() {
        String yaml = app("        tls: {listen: \"127.0.0.1:8443\", cert: c.pem, key: k.pem}\n")
                + "  api: {platform: {local: {command: [s, \"${port}\"], listen: \"127.0.0.1:8443\"}}}\n";
        assertThat(problems(yaml)).singleElement().asString()
                .contains("apps.api.platform.local.listen", "of app 'web'");
    }

    @Test
    void certAndKeyMustBeTwoFilesAndPathsNonEmpty() {
        assertThat(problems(app("        tls: {listen: \"127.0.0.1:8443\", cert: both.pem, key: ./both.pem}\n")))
                .singleElement().asString().startsWith("apps.web.platform.local.tls.key: the same file as");
        assertThat(problems(app("        accessLog: \"\"\n")))
                .singleElement().asString().startsWith("apps.web.platform.local.accessLog: expected a file path");
    }

    @Test
    void unknownTlsFieldIsNamedWithItsPath() {
        assertThat(problems(app("        tls: {listen: \"127.0.0.1:8443\", cert: c.pem, key: k.pem, ca: ca.pem}\n")))
                .singleElement().asString().contains("tls.ca");
    }
}
