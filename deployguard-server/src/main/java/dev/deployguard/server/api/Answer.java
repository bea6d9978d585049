package dev.deployguard.server.api;

import java.util.Map;

/** A status and what goes with it: a JSON-able object, or text. */
record Answer(int status, Object body) {
    /** The error message of a refusal or failure, for the audit trail; null for a success. */
    String error() {
        return status >= 300 && body instanceof Map<?, ?> m && m.get("error") != null
                ? String.valueOf(m.get("error")) : null;
    }
}
