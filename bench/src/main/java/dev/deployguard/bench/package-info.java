/**
 * The benchmarks behind docs/benchmarks.md, run as {@code bench/run NAME}; each prints one JSON document. Benchmark
 * code, not shipped: it may use every module and their test jars.
 */
package dev.deployguard.bench;
