// Over 400 lines: the top-level grammar and the collection of every problem with its path.
package dev.deployguard.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads {@code deployguard.yaml}: parses it strictly (unknown fields are errors) and validates every field, so a
 * mistake is reported once, at the edge, with its path and what was expected — never half-applied.
 */
public final class SpecParser {
    private static final Pattern APP_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");
    private static final List<String> KNOWN_PLACEHOLDERS = List.of("version", "port", "image");

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);

    /**
     * The largest spec read (1 MiB, a few thousand apps): checked before parsing, so a huge or runaway file is refused
     * at once instead of occupying the control plane's threads and heap.
     */
    public static final long MAX_BYTES = 1L << 20;

    /** The refusal of a spec larger than {@link #MAX_BYTES}. */
    public static SpecException tooLarge(String source, long bytes) {
        return new SpecException(source, List.of(String.format(java.util.Locale.ROOT, "the spec is %.1f MiB; the"
                + " limit is 1 MiB — is this the right file? split very large fleets across control planes",
                bytes / (double) (1 << 20))));
    }

    /** Parses and validates a spec file; relative working directories resolve against the file's directory. */
    public Spec parse(Path file) {
        String text;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw tooLarge(file.toString(), size);
            }
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new SpecException(file.toString(), List.of("file not found; create it or pass --file PATH"));
        } catch (IOException e) {
            throw new SpecException(file.toString(), List.of("cannot read: " + e.getMessage()));
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(text, file.toString(), base);
    }

    public Spec parse(String text, String source, Path baseDir) {
        if (text.length() > MAX_BYTES) {
            throw tooLarge(source, text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        }
        if (text.isBlank()) {
            throw new SpecException(source, List.of("the file is empty; expected a document with 'apps:'"));
        }
        try {
            yaml.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SpecException(source, List.of("malformed YAML: " + SpecSections.yamlProblem(e.getOriginalMessage())
                    + location(e)));
        }
        RawSpec raw;
        var binding = new BindingProblems();
        try {
            raw = yaml.readerFor(RawSpec.class).withHandler(binding).readValue(text);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new SpecException(source, List.of(path(e) + ": unknown field '" + e.getPropertyName()
                    + "'; expected one of: " + known));
        } catch (MismatchedInputException e) {
            throw new SpecException(source, List.of(path(e) + ": " + SpecSections.expected(e.getTargetType()) + location(e)));
        } catch (JsonMappingException e) {
            throw new SpecException(source, List.of(path(e) + ": " + SpecSections.firstLine(e.getOriginalMessage())
                    + location(e)));
        } catch (JsonProcessingException e) {
            throw new SpecException(source, List.of("malformed YAML: " + SpecSections.yamlProblem(e.getOriginalMessage())
                    + location(e)));
        }
        if (raw == null) {
            throw new SpecException(source, List.of("the file is empty; expected a document with 'apps:'"));
        }
        if (binding.problems.isEmpty()) {
            return validate(raw, source, baseDir);
        }
        // Report every problem at once: the fields Jackson could not bind, then what validation finds in the rest
        // (except where it only repeats a field that could not be bound).
        List<String> problems = new ArrayList<>(binding.problems);
        try {
            validate(raw, source, baseDir);
        } catch (SpecException e) {
            e.problems().stream().filter(p -> binding.paths.stream().noneMatch(p::startsWith)).forEach(problems::add);
        }
        throw new SpecException(source, problems);
    }

    /**
     * Collects unknown fields while binding, so a spec with several of them is answered with all at once instead of
     * one per attempt; they are skipped and binding goes on.
     */
    private static final class BindingProblems extends DeserializationProblemHandler {
        final List<String> problems = new ArrayList<>();
        final List<String> paths = new ArrayList<>();

        @Override
        public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p,
                                             JsonDeserializer<?> deserializer, Object beanOrClass, String name)
                throws IOException {
            JsonStreamContext field = p.getParsingContext();
            if (p.currentToken() != null && p.currentToken().isStructStart()) {
                field = field.getParent(); // the value's own object or array has begun
            }
            String parent = pathOf(field.getParent());
            String at = parent.isEmpty() ? name : parent + "." + name;
            List<String> known = new ArrayList<>();
            deserializer.getKnownPropertyNames().forEach(k -> known.add(k.toString()));
            known.sort(null);
            problems.add(at + ": unknown field '" + name + "'; expected one of: " + String.join(", ", known));
            paths.add(at);
            p.skipChildren();
            return true;
        }

        private static String pathOf(JsonStreamContext context) {
            var parts = new ArrayList<String>();
            for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
                if (c.inArray()) {
                    parts.add(0, "[" + Math.max(0, c.getCurrentIndex()) + "]");
                } else if (c.getCurrentName() != null) {
                    parts.add(0, c.getCurrentName());
                }
            }
            return String.join(".", parts).replace(".[", "[");
        }
    }

    // Every analysis of the app sees the spec's templates; Flagger's shorthand rebuilds its analysis per check and
    // does not carry custom metrics yet, so they are refused there rather than silently dropped.
    private static void metricsInScope(RawSpec.RawStrategy strategy,
                                       Map<String, dev.deployguard.analysis.metric.AnalysisTemplate> templates,
                                       String at, List<String> problems) {
        if (strategy == null) {
            return;
        }
        List<RawSpec.RawAnalysis> analyses = new ArrayList<>();
        if (strategy.canary != null) {
            analyses.add(strategy.canary.analysis);
            if (strategy.canary.steps != null) {
                strategy.canary.steps.forEach(s -> analyses.add(s == null ? null : s.analysis));
            }
            var c = strategy.canary;
            boolean shorthand = c.stepWeight != null || c.maxWeight != null || c.interval != null
                    || c.threshold != null;
            if (shorthand && c.analysis != null && (c.analysis.metrics != null || c.analysis.templates != null)) {
                problems.add(at + ".canary.analysis.metrics: custom metrics are not supported with Flagger's"
                        + " shorthand (stepWeight/maxWeight/interval) yet; write steps with setWeight and analysis");
            }
        }
        if (strategy.blueGreen != null) {
            analyses.add(strategy.blueGreen.analysis);
            if (strategy.blueGreen.prePromotion != null) {
                strategy.blueGreen.prePromotion.forEach(s -> analyses.add(s == null ? null : s.analysis));
            }
        }
        analyses.stream().filter(java.util.Objects::nonNull).forEach(a -> a.templatesInScope = templates);
    }

    private Spec validate(RawSpec raw, String source, Path baseDir) {
        List<String> problems = new ArrayList<>();
        if (raw.version != null && raw.version != 1) {
            problems.add("version: expected 1, got " + raw.version);
        }
        if (raw.apps == null || raw.apps.isEmpty()) {
            problems.add("apps: expected at least one app");
            throw new SpecException(source, problems);
        }
        Map<String, AppSpec> apps = new LinkedHashMap<>();
        Map<String, String> listenOwners = new HashMap<>();
        var templates = MetricSpecParser.templates(raw.analysisTemplates, "analysisTemplates", problems);
        raw.apps.forEach((name, app) -> {
            String at = "apps." + name;
            if (!APP_NAME.matcher(name).matches()) {
                problems.add(at + ": app name must be lowercase letters, digits and '-', 1-53 characters,"
                        + " starting and ending with a letter or digit");
            }
            if (app == null || app.platform == null
                    || (app.platform.local == null && app.platform.kubernetes == null)) {
                problems.add(at + ".platform: missing; expected a platform block: local (command, listen, ...)"
                        + " or kubernetes (namespace, ...)");
                return;
            }
            if (app.platform.local != null && app.platform.kubernetes != null) {
                problems.add(at + ".platform: expected one platform, local or kubernetes, not both");
                return;
            }
            int before = problems.size();
            LocalPlatformSpec local = app.platform.local == null ? null
                    : local(app.platform.local, at + ".platform.local", baseDir, problems);
            KubernetesSpec kubernetes = KubernetesSpecParser.parse(app.platform.kubernetes,
                    at + ".platform.kubernetes", baseDir, problems);
            metricsInScope(app.strategy, templates, at + ".strategy", problems);
            var strategy = StrategyParser.parse(app.strategy, at + ".strategy", problems);
            if (kubernetes != null) {
                kubernetesStrategy(kubernetes, strategy, at, problems);
            } else if (strategy != null && strategy.progressDeadline().isPresent()) {
                // A local instance's start is bounded by its readiness timeout; a second deadline would say nothing.
                problems.add(at + ".strategy." + (strategy instanceof dev.deployguard.rollout.Strategy.Canary
                        ? "canary" : "blueGreen") + ".progressDeadlineSeconds: applies to Kubernetes apps only; a"
                        + " local instance must be ready within platform.local.readiness.timeout (default 30s)");
            }
            if (app.platform.local != null && strategy instanceof dev.deployguard.rollout.Strategy.BlueGreen bg
                    && bg.previewListen() == null) {
                problems.add(at + ".strategy.blueGreen.previewListen: missing; expected the address where the new"
                        + " release is previewed, e.g. 127.0.0.1:8081");
            } else if (local != null && strategy instanceof dev.deployguard.rollout.Strategy.BlueGreen bg
                    && bg.previewListen().equals(local.listen().toString())) {
                problems.add(at + ".strategy.blueGreen.previewListen: must differ from platform.local.listen");
            } else if (local != null && local.tls() != null
                    && strategy instanceof dev.deployguard.rollout.Strategy.BlueGreen bg
                    && bg.previewListen().equals(local.tls().listen().toString())) {
                problems.add(at + ".strategy.blueGreen.previewListen: must differ from platform.local.tls.listen");
            }
            if (local != null && strategy != null) {
                String other = listenOwners.putIfAbsent(local.listen().toString(), name);
                if (other != null) {
                    problems.add(at + ".platform.local.listen: " + local.listen() + " is already the listen address"
                            + " of app '" + other + "'; each app needs its own");
                }
                String tlsOther = local.tls() == null ? null
                        : listenOwners.putIfAbsent(local.tls().listen().toString(), name);
                if (tlsOther != null) {
                    problems.add(at + ".platform.local.tls.listen: " + local.tls().listen() + " is already a listen"
                            + " address of app '" + tlsOther + "'; each app needs its own");
                }
            }
            ImageSpec image = ImageSpecParser.parse(app.image, at + ".image", baseDir, problems);
            if (app.image == null && local != null && usesImage(local)) {
                problems.add(at + ".platform.local: ${image} is used but the app has no image section; add"
                        + " image.repository or drop the placeholder");
            }
            ChecksSpec checks = ChecksSpecParser.parse(app.checks, at + ".checks", baseDir, problems);
            NotificationsSpec notifications = NotificationsSpecParser.parse(app.notifications,
                    at + ".notifications", baseDir, problems);
            DrillSpec drill = DrillSpecParser.parse(app.drill, at + ".drill", baseDir, problems);
            DatabaseSpec database = DatabaseSpecParser.parse(app.database, at + ".database", baseDir, problems);
            GitOpsSpec gitops = GitOpsSpecParser.parse(app.gitops, at + ".gitops", problems);
            if (problems.size() == before && strategy != null) {
                apps.put(name, new AppSpec(name, local, strategy, image, checks, kubernetes, notifications, drill,
                        database, gitops));
            }
        });
        if (!problems.isEmpty()) {
            throw new SpecException(source, problems);
        }
        return new Spec(apps);
    }

    /**
     * A progressive strategy on Kubernetes needs the objects it moves traffic with; without them the deploy would
     * silently be a plain rolling update.
     */
    private static void kubernetesStrategy(KubernetesSpec k8s, dev.deployguard.rollout.Strategy strategy, String at,
                                           List<String> problems) {
        boolean progressive = strategy instanceof dev.deployguard.rollout.Strategy.Canary
                || strategy instanceof dev.deployguard.rollout.Strategy.BlueGreen;
        if (strategy instanceof dev.deployguard.rollout.Strategy.Canary && k8s.traffic() == null) {
            problems.add(at + ".platform.kubernetes.traffic: missing; a canary on Kubernetes needs a traffic"
                    + " router: traffic: {ingressNginx: {ingress: NAME}} or {gatewayApi: {httpRoute: NAME}}");
        } else if (strategy instanceof dev.deployguard.rollout.Strategy.BlueGreen && k8s.service() == null) {
            problems.add(at + ".platform.kubernetes.service: missing; blue/green on Kubernetes switches this"
                    + " Service's selector between the blue and green Deployments");
        } else if (progressive && k8s.helm() != null && k8s.service() == null) {
            problems.add(at + ".platform.kubernetes.service: missing; a canary of a Helm release needs the"
                    + " release's Service (the stable Service the canary Service is copied from)");
        }
    }

    private LocalPlatformSpec local(RawSpec.RawLocal raw, String at, Path baseDir, List<String> problems) {
        int before = problems.size();
        List<String> command = raw.command == null ? List.of() : raw.command;
        if (command.isEmpty()) {
            problems.add(at + ".command: missing; expected the command as a list of arguments,"
                    + " e.g. [\"./server\", \"--port\", \"${port}\"]");
        }
        for (int i = 0; i < command.size(); i++) {
            String arg = command.get(i);
            if (arg == null || (i == 0 && arg.isBlank())) {
                problems.add(at + ".command[" + i + "]: expected a non-empty string");
            } else {
                checkPlaceholders(arg, at + ".command[" + i + "]", problems);
            }
        }
        Map<String, String> env = raw.env == null ? Map.of() : raw.env;
        env.forEach((k, v) -> {
            if (!ENV_NAME.matcher(k).matches()) {
                problems.add(at + ".env." + k + ": not a valid environment variable name");
            }
            if (v == null) {
                problems.add(at + ".env." + k + ": expected a string value (quote numbers and booleans)");
            } else {
                checkPlaceholders(v, at + ".env." + k, problems);
            }
        });
        boolean usesPort = command.stream().anyMatch(a -> a != null && a.contains("${port}"))
                || env.values().stream().anyMatch(v -> v != null && v.contains("${port}"));
        if (!command.isEmpty() && !usesPort) {
            problems.add(at + ".command: no ${port} placeholder in the command or env; the app must listen on the"
                    + " port DeployGuard assigns to each instance");
        }
        int instances = raw.instances == null ? 1 : raw.instances;
        if (instances < 1 || instances > 64) {
            problems.add(at + ".instances: expected 1 to 64, got " + instances);
        }
        LocalPlatformSpec.ListenAddress listen = null;
        if (raw.listen == null) {
            problems.add(at + ".listen: missing; expected the router's public address, e.g. 127.0.0.1:8080");
        } else {
            listen = listen(raw.listen, at + ".listen", problems);
        }
        var rr = raw.readiness == null ? new RawSpec.RawReadiness() : raw.readiness;
        String path = rr.path == null ? "/" : rr.path;
        if (!path.startsWith("/")) {
            problems.add(at + ".readiness.path: expected an HTTP path starting with '/', got '" + path + "'");
        }
        Duration timeout = duration(rr.timeout, "30s", at + ".readiness.timeout", problems);
        Duration interval = duration(rr.interval, "250ms", at + ".readiness.interval", problems);
        if (timeout != null && interval != null && (interval.isZero() || interval.compareTo(timeout) > 0)) {
            problems.add(at + ".readiness.interval: expected more than 0 and at most the timeout ("
                    + Durations.format(timeout) + "), got " + Durations.format(interval));
        }
        if (timeout != null && timeout.isZero()) {
            problems.add(at + ".readiness.timeout: expected more than 0");
        }
        var rs = raw.stop == null ? new RawSpec.RawStop() : raw.stop;
        StopSignal signal = StopSignal.TERM;
        if (rs.signal != null) {
            signal = StopSignal.parse(rs.signal).orElse(null);
            if (signal == null) {
                problems.add(at + ".stop.signal: expected one of TERM, INT, QUIT, HUP, USR1, USR2, got '"
                        + rs.signal + "'");
            }
        }
        Duration grace = duration(rs.gracePeriod, "10s", at + ".stop.gracePeriod", problems);
        Path workingDir = baseDir;
        if (raw.workingDir != null) {
            workingDir = baseDir == null ? Path.of(raw.workingDir) : baseDir.resolve(raw.workingDir).normalize();
        }
        LocalPlatformSpec.Tls tls = RouterOptionsParser.tls(raw.tls, listen, at + ".tls", baseDir, problems);
        Path accessLog = RouterOptionsParser.file(raw.accessLog, at + ".accessLog", baseDir, problems);
        if (problems.size() > before) {
            return null;
        }
        return new LocalPlatformSpec(command, env, instances, workingDir, listen,
                new LocalPlatformSpec.Readiness(path, timeout, interval),
                new LocalPlatformSpec.Stop(signal, grace),
                raw.keepPreviousWarm == null || raw.keepPreviousWarm, tls, accessLog);
    }

    private static boolean usesImage(LocalPlatformSpec local) {
        return local.command().stream().anyMatch(a -> a.contains("${image}"))
                || local.env().values().stream().anyMatch(v -> v.contains("${image}"));
    }

    private static void checkPlaceholders(String value, String at, List<String> problems) {
        var m = PLACEHOLDER.matcher(value);
        while (m.find()) {
            if (!KNOWN_PLACEHOLDERS.contains(m.group(1))) {
                problems.add(at + ": unknown placeholder ${" + m.group(1) + "}; expected ${version}, ${port} or"
                        + " ${image}");
            }
        }
    }

    static LocalPlatformSpec.ListenAddress listen(String text, String at, List<String> problems) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            problems.add(at + ": expected host:port, e.g. 127.0.0.1:8080, got '" + text + "'");
            return null;
        }
        String host = text.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            problems.add(at + ": port must be a number, got '" + text.substring(colon + 1) + "'");
            return null;
        }
        if (port < 1 || port > 65535) {
            problems.add(at + ": port must be 1 to 65535, got " + port);
            return null;
        }
        return new LocalPlatformSpec.ListenAddress(host, port);
    }

    private static Duration duration(String text, String dflt, String at, List<String> problems) {
        try {
            return Durations.parse(text == null ? dflt : text);
        } catch (IllegalArgumentException e) {
            problems.add(at + ": " + e.getMessage());
            return null;
        }
    }

    private static String path(JsonMappingException e) {
        String path = SpecSections.path(e);
        return path.isEmpty() ? "(document)" : path;
    }

    private static String location(JsonProcessingException e) {
        var loc = e.getLocation();
        return loc == null || loc.getLineNr() < 0 ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }
}
