-- API tokens with roles: only the SHA-256 of each secret is kept, never the secret.
CREATE TABLE api_tokens (
    name         VARCHAR(64)  PRIMARY KEY,
    role         VARCHAR(16)  NOT NULL,
    token_hash   VARCHAR(64)  NOT NULL UNIQUE,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by   VARCHAR(256) NOT NULL,
    last_used_at TIMESTAMP WITH TIME ZONE
);
