/** The one Jackson configuration shared by the API, the CLI and the store. Uses Jackson and nothing of ours. */
package dev.deployguard.json;
