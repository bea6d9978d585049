package dev.deployguard.rollout;

/** Side effects the engine asks for; adapters carry them out after the new state is stored. */
public sealed interface Action {

    /** Route {@code basisPoints} of user traffic to the canary, the rest to stable. */
    record SetWeight(int basisPoints) implements Action {
    }

    /** Call a step's webhook and report its outcome in a later observation. */
    record CallWebhook(WebhookSpec webhook) implements Action {
    }

    /** The canary becomes the serving release (100% of traffic); stable stays warm. */
    record Promote() implements Action {
    }

    /** All traffic back to stable at once; the canary release is marked ROLLED_BACK and stopped. */
    record RollBack(String reason) implements Action {
    }

    /** The rollout is over and successful: stop the old release. */
    record Finish() implements Action {
    }

    /** Record an event (step entered, verdict, pause...). */
    record Record(String kind, String message) implements Action {
    }
}
