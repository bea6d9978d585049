/**
 * Notifications: which events people hear about, and delivery to webhook and Slack targets with bounded retries on
 * the notifier's own threads. Uses the JDK HTTP client and core.
 */
package dev.deployguard.server.notify;
