/** Verifying one image by reference, outside any app spec: what {@code deployguard verify IMAGE} runs. */
package dev.deployguard.supplychain.verify;
