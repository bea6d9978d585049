package dev.deployguard.spec;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The YAML document as written, before validation. Field names here are the spec's vocabulary; unknown fields are
 * rejected by the parser.
 */
final class RawSpec {
    @JsonProperty("version")
    Integer version;
    @JsonProperty("apps")
    LinkedHashMap<String, RawApp> apps;
    // Custom metrics are free-form until MetricSpecParser validates them (its messages name each path).
    @JsonProperty("analysisTemplates")
    com.fasterxml.jackson.databind.JsonNode analysisTemplates;

    static final class RawApp {
        @JsonProperty("platform")
        RawPlatform platform;
        @JsonProperty("strategy")
        RawStrategy strategy;
        // Sections parsed by their own parsers (strictly, through SpecSections), so each can grow on its own.
        @JsonProperty("image")
        com.fasterxml.jackson.databind.JsonNode image;
        @JsonProperty("checks")
        com.fasterxml.jackson.databind.JsonNode checks;
        @JsonProperty("notifications")
        com.fasterxml.jackson.databind.JsonNode notifications;
        @JsonProperty("drill")
        com.fasterxml.jackson.databind.JsonNode drill;
        @JsonProperty("database")
        com.fasterxml.jackson.databind.JsonNode database;
        @JsonProperty("gitops")
        com.fasterxml.jackson.databind.JsonNode gitops;
    }

    static final class RawStrategy {
        @JsonProperty("canary")
        RawCanary canary;
        @JsonProperty("blueGreen")
        RawBlueGreen blueGreen;
    }

    static final class RawCanary {
        @JsonProperty("steps")
        List<RawStep> steps;
        @JsonProperty("analysis")
        RawAnalysis analysis;
        @JsonProperty("bake")
        String bake;
        @JsonProperty("webhooks")
        List<RawWebhook> webhooks;
        // Flagger's shorthand
        @JsonProperty("interval")
        String interval;
        @JsonProperty("threshold")
        Integer threshold;
        @JsonProperty("stepWeight")
        java.math.BigDecimal stepWeight;
        @JsonProperty("maxWeight")
        java.math.BigDecimal maxWeight;
        @JsonProperty("stepWeights")
        List<java.math.BigDecimal> stepWeights;
        @JsonProperty("stepWeightPromotion")
        java.math.BigDecimal stepWeightPromotion;
        @JsonProperty("skipAnalysis")
        Boolean skipAnalysis;
        // Flagger's (and Argo Rollouts') progressDeadlineSeconds; a node, so 1.5 or "10m" is an error, not rounded
        @JsonProperty("progressDeadlineSeconds")
        com.fasterxml.jackson.databind.JsonNode progressDeadlineSeconds;
    }

    static final class RawBlueGreen {
        @JsonProperty("previewListen")
        String previewListen;
        @JsonProperty("prePromotion")
        List<RawStep> prePromotion;
        @JsonProperty("autoPromote")
        Boolean autoPromote;
        @JsonProperty("scaleDownDelay")
        String scaleDownDelay;
        // Flagger's blue/green: iterations checks of one interval each at the preview, threshold failed checks
        @JsonProperty("iterations")
        Integer iterations;
        @JsonProperty("interval")
        String interval;
        @JsonProperty("threshold")
        Integer threshold;
        @JsonProperty("analysis")
        RawAnalysis analysis;
        @JsonProperty("bake")
        String bake;
        @JsonProperty("webhooks")
        List<RawWebhook> webhooks;
        @JsonProperty("progressDeadlineSeconds")
        com.fasterxml.jackson.databind.JsonNode progressDeadlineSeconds;
    }

    static final class RawStep {
        @JsonProperty("setWeight")
        java.math.BigDecimal setWeight;
        @JsonProperty("pause")
        RawPause pause;
        @JsonProperty("analysis")
        RawAnalysis analysis;
        @JsonProperty("webhook")
        RawWebhook webhook;
    }

    static final class RawPause {
        @JsonProperty("duration")
        String duration;
    }

    static final class RawAnalysis {
        @JsonProperty("judge")
        String judge;
        @JsonProperty("interval")
        String interval;
        @JsonProperty("minDuration")
        String minDuration;
        @JsonProperty("maxDuration")
        String maxDuration;
        @JsonProperty("alpha")
        Double alpha;
        @JsonProperty("tolerance")
        Double tolerance;
        @JsonProperty("successRate")
        Double successRate;
        @JsonProperty("maxLatency")
        String maxLatency;
        @JsonProperty("failureLimit")
        Integer failureLimit;
        @JsonProperty("latency")
        com.fasterxml.jackson.databind.JsonNode latency;
        @JsonProperty("latencyWarmup")
        String latencyWarmup;
        @JsonProperty("load")
        com.fasterxml.jackson.databind.JsonNode load;
        @JsonProperty("negligibleErrorRate")
        Double negligibleErrorRate;
        @JsonProperty("source")
        RawSource source;
        @JsonProperty("metrics")
        com.fasterxml.jackson.databind.JsonNode metrics;
        @JsonProperty("templates")
        com.fasterxml.jackson.databind.JsonNode templates;
        @JsonProperty("args")
        com.fasterxml.jackson.databind.JsonNode args;
        @JsonProperty("compat")
        String compat;
        // Set by SpecParser before validation: the spec's analysisTemplates, so that the strategy parser's
        // signatures need not carry them.
        @com.fasterxml.jackson.annotation.JsonIgnore
        java.util.Map<String, dev.deployguard.analysis.metric.AnalysisTemplate> templatesInScope = java.util.Map.of();
    }

    static final class RawSource {
        @JsonProperty("prometheus")
        RawSourceFields prometheus;
        @JsonProperty("web")
        RawSourceFields web;
    }

    static final class RawSourceFields {
        @JsonProperty("url")
        String url;
        @JsonProperty("stableRequests")
        String stableRequests;
        @JsonProperty("stableErrors")
        String stableErrors;
        @JsonProperty("canaryRequests")
        String canaryRequests;
        @JsonProperty("canaryErrors")
        String canaryErrors;
        @JsonProperty("bearerTokenEnv")
        String bearerTokenEnv;
        @JsonProperty("timeout")
        String timeout;
    }

    static final class RawWebhook {
        @JsonProperty("name")
        String name;
        @JsonProperty("type")
        String type;
        @JsonProperty("url")
        String url;
        @JsonProperty("timeout")
        String timeout;
        @JsonProperty("retries")
        Integer retries;
        @JsonProperty("onFailure")
        String onFailure;
    }

    static final class RawPlatform {
        @JsonProperty("local")
        RawLocal local;
        @JsonProperty("kubernetes")
        com.fasterxml.jackson.databind.JsonNode kubernetes;
    }

    static final class RawLocal {
        @JsonProperty("command")
        List<String> command;
        @JsonProperty("env")
        LinkedHashMap<String, String> env;
        @JsonProperty("instances")
        Integer instances;
        @JsonProperty("workingDir")
        String workingDir;
        @JsonProperty("listen")
        String listen;
        @JsonProperty("readiness")
        RawReadiness readiness;
        @JsonProperty("stop")
        RawStop stop;
        @JsonProperty("keepPreviousWarm")
        Boolean keepPreviousWarm;
        @JsonProperty("tls")
        RawTls tls;
        @JsonProperty("accessLog")
        String accessLog;
    }

    static final class RawTls {
        @JsonProperty("listen")
        String listen;
        @JsonProperty("cert")
        String cert;
        @JsonProperty("key")
        String key;
    }

    static final class RawReadiness {
        @JsonProperty("path")
        String path;
        @JsonProperty("timeout")
        String timeout;
        @JsonProperty("interval")
        String interval;
    }

    static final class RawStop {
        @JsonProperty("signal")
        String signal;
        @JsonProperty("gracePeriod")
        String gracePeriod;
    }
}
