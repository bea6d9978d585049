-- The schema record of a release that lives outside this store (a Kubernetes Deployment's revision, a Helm
-- revision): recorded by app and version when it is deployed, looked up when a rollback to it is judged, as the
-- schema_json of a local release is (V6).
CREATE TABLE release_schemas (
    app         VARCHAR(64)  NOT NULL,
    version     VARCHAR(256) NOT NULL,
    schema_json VARCHAR(1000000) NOT NULL,
    recorded_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (app, version)
);
