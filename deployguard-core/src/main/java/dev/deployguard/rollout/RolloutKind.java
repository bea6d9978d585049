package dev.deployguard.rollout;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Which progressive strategy a rollout runs; written and read as the spec's word ({@code canary}, {@code blueGreen}). */
public enum RolloutKind {
    CANARY("canary"),
    BLUE_GREEN("blueGreen");

    private final String specName;

    RolloutKind(String specName) {
        this.specName = specName;
    }

    /** The word of {@code deployguard.yaml} and of the API's JSON. */
    @JsonValue
    public String specName() {
        return specName;
    }

    /** Reads the spec word (what stored rows and the API carry) or the constant's name. */
    @JsonCreator
    public static RolloutKind of(String name) {
        for (RolloutKind k : values()) {
            if (k.specName.equals(name) || k.name().equals(name.toUpperCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown rollout kind '" + name + "' (canary or blueGreen)");
    }

    /** How people read it in a sentence: "canary", "blue/green". */
    public String words() {
        return this == CANARY ? "canary" : "blue/green";
    }

    @Override
    public String toString() {
        return specName;
    }
}
