/**
 * The notification port: the message people get and the {@link dev.deployguard.notify.Notifier} that must deliver
 * it without delaying the caller. Delivery lives in the server.
 */
package dev.deployguard.notify;
