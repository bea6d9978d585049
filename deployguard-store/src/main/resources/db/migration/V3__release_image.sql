-- A release pins its image by digest (repository@sha256:...), and remembers whether its cosign signature was
-- verified: the last known-good image of an app is the newest verified one that served traffic.
ALTER TABLE releases ADD COLUMN image VARCHAR(600);
ALTER TABLE releases ADD COLUMN image_verified BOOLEAN;
