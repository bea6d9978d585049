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

    static final class RawApp {
        @JsonProperty("platform")
        RawPlatform platform;
    }

    static final class RawPlatform {
        @JsonProperty("local")
        RawLocal local;
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
