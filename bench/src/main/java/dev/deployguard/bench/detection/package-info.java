/**
 * The judges side by side on the same simulated traffic: time to detect a bad canary and false rollbacks, per
 * scenario. Uses core's analysis and its simulator only.
 */
package dev.deployguard.bench.detection;
