-- A release remembers, from its deploy, the migrations it ships (expand or contract) and the schema version it
-- needs, so a rollback is judged against this record rather than a re-read of files that may have changed.
ALTER TABLE releases ADD COLUMN schema_json VARCHAR(1000000);
