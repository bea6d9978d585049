/**
 * The traffic-router port: route tables of weighted tracks (basis points) and {@link
 * dev.deployguard.traffic.TrafficRouter}, which the local router implements. Plain values and an interface; no I/O.
 */
package dev.deployguard.traffic;
