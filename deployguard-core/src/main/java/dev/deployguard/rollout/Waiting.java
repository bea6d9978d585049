package dev.deployguard.rollout;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.deployguard.spec.Durations;
import java.time.Duration;

/**
 * What a rollout waits for before it moves on. Persisted with the rollout (JSON naming the case in {@code for});
 * {@link #text()} is the sentence people read after "waiting for" in {@code status}, events and API answers.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "for")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Waiting.TimedPause.class, name = "pause"),
        @JsonSubTypes.Type(value = Waiting.Analysis.class, name = "analysis"),
        @JsonSubTypes.Type(value = Waiting.Webhook.class, name = "webhook"),
        @JsonSubTypes.Type(value = Waiting.Retry.class, name = "retry"),
        @JsonSubTypes.Type(value = Waiting.Promotion.class, name = "promote"),
        @JsonSubTypes.Type(value = Waiting.Resume.class, name = "resume"),
        @JsonSubTypes.Type(value = Waiting.Bake.class, name = "bake"),
        @JsonSubTypes.Type(value = Waiting.Ending.class, name = "ending"),
        @JsonSubTypes.Type(value = Waiting.Preparing.class, name = "prepare"),
        @JsonSubTypes.Type(value = Waiting.Unknown.class, name = "unknown")})
@JsonIgnoreProperties(value = "text", allowGetters = true)
public sealed interface Waiting {

    /** The sentence shown after "waiting for" (the API's {@code waiting.text}). */
    @JsonProperty("text")
    String text();

    /** A timed pause step. */
    record TimedPause(Duration duration) implements Waiting {
        @Override
        public String text() {
            return "the " + Durations.format(duration) + " pause to end";
        }
    }

    /** An analysis step: the judge's PASS (and, once passing, its minimum duration). */
    record Analysis(boolean passing, Duration minimum) implements Waiting {
        @Override
        public String text() {
            return passing ? "the analysis' minimum of " + Durations.format(minimum) + " (it passes so far)"
                    : "the analysis to collect enough evidence";
        }
    }

    /** A webhook the engine called, until its answer is observed. */
    record Webhook(String name, String type) implements Waiting {
        @Override
        public String text() {
            return "the answer of webhook " + name + (type == null ? "" : " (" + type + ")");
        }
    }

    /**
     * A Flagger gate that answered "not yet" (onFailure hold) or a pre-rollout hook that failed fewer times than the
     * threshold (onFailure count): it is asked again every interval; {@code called} while a call is under way.
     */
    record Retry(String name, String type, int failures, boolean called) implements Waiting {
        @Override
        public String text() {
            return "webhook " + name + " (" + type + ") to answer yes; asked again every interval"
                    + (failures > 0 ? " (" + failures + " failed so far)" : "");
        }
    }

    /** Paused for a person to promote (or abort); {@code why} says what stopped it. */
    record Promotion(String why) implements Waiting {
        @Override
        public String text() {
            return "an operator to promote or abort (" + why + ")";
        }
    }

    /** Paused by a person, until resumed. */
    record Resume(String pausedBy) implements Waiting {
        @Override
        public String text() {
            return "an operator to resume (paused by " + pausedBy + ")";
        }
    }

    /** Promoted; watched for {@code duration} with the previous release warm. */
    record Bake(Duration duration) implements Waiting {
        @Override
        public String text() {
            return "the " + Durations.format(duration) + " bake after promotion to end (the previous release"
                    + " stays warm)";
        }
    }

    /**
     * The rollout is ending as {@code end} and its ending's actions are being carried out (a restarted control plane
     * carries them out again): traffic back on stable for a rollback, the old release retired for a success.
     */
    record Ending(Rollout.Phase end) implements Waiting {
        @Override
        public String text() {
            return end == Rollout.Phase.ROLLED_BACK ? "the rollback to complete (traffic back on the stable release,"
                    + " the canary being stopped)" : "the promoted release to finish rolling out";
        }
    }

    /**
     * The new release is being prepared on its platform before the rollout's first step (a Kubernetes canary
     * Deployment rolling out beside the serving one): no user traffic reaches it yet. The runner asks the target on
     * each tick until it is ready, and gives up at {@code deadline}. {@code plan} holds what the deploy asked for
     * (the image, the change-cause: the target's own keys), stored so a restarted control plane goes on preparing
     * the same release.
     *
     * @param what what is awaited, as people read it ("deployment shop/web-canary (v2) to be ready")
     */
    record Preparing(String what, java.time.Instant deadline, java.util.Map<String, String> plan) implements Waiting {
        public Preparing {
            java.util.Objects.requireNonNull(what, "what");
            java.util.Objects.requireNonNull(deadline, "deadline");
            plan = plan == null ? java.util.Map.of() : java.util.Map.copyOf(plan);
        }

        @Override
        public String text() {
            return what + " before any traffic moves (gives up at " + deadline.truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ")";
        }
    }

    /** A stored reason this version does not know; shown as it was written. */
    record Unknown(String words) implements Waiting {
        @Override
        public String text() {
            return words;
        }
    }

    /**
     * Maps the free text earlier versions stored in {@code waitingFor} ("pending ROLLED_BACK", "webhook smoke",
     * "promote (pause step)", "resume (paused by alice)", "pause of 30s", "analysis (...)", "bake of 1m"), so rollouts
     * stored before the type existed still load and resume.
     */
    static Waiting fromLegacy(String text) {
        if (text == null) {
            return null;
        }
        if (text.startsWith("pending ")) {
            return new Ending(Rollout.Phase.valueOf(text.substring("pending ".length()).trim()));
        }
        if (text.startsWith("webhook ")) {
            return new Webhook(text.substring("webhook ".length()), null);
        }
        if (text.startsWith("promote (") && text.endsWith(")")) {
            return new Promotion(text.substring("promote (".length(), text.length() - 1));
        }
        if (text.startsWith("resume (paused by ") && text.endsWith(")")) {
            return new Resume(text.substring("resume (paused by ".length(), text.length() - 1));
        }
        try {
            if (text.startsWith("pause of ")) {
                return new TimedPause(Durations.parse(text.substring("pause of ".length())));
            }
            if (text.startsWith("bake of ")) {
                return new Bake(Durations.parse(text.substring("bake of ".length())));
            }
            if (text.startsWith("analysis (passing, minimum ") && text.endsWith(")")) {
                return new Analysis(true, Durations.parse(text.substring("analysis (passing, minimum ".length(),
                        text.length() - 1)));
            }
        } catch (RuntimeException e) {
            return new Unknown(text);
        }
        if (text.startsWith("analysis (")) {
            return new Analysis(false, Duration.ZERO);
        }
        return new Unknown(text);
    }
}
