/**
 * {@code deployguard.yaml}: the strict YAML reading, the validation that names each bad field's path, and the
 * validated records per section. Uses Jackson (YAML) and core's rollout, check and error types; reads the file it
 * is given and nothing else.
 */
package dev.deployguard.spec;
