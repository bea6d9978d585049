/**
 * Steady test traffic at a fixed rate that counts every answer: the quickstart's and end-to-end tests' witness of
 * zero failed requests. Uses the JDK only.
 */
package dev.deployguard.local.load;
