/**
 * What the router costs and how fast it switches, against the backend directly and nginx, with open-loop load and
 * CPU accounting. Uses deployguard-local, the demo app, wrk and nginx.
 */
package dev.deployguard.bench.router;
