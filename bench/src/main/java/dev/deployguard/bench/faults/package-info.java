/** {@code bench/run faults}: the control plane and data plane under faults, with traffic measured throughout. */
package dev.deployguard.bench.faults;
