package dev.deployguard.notify;

/**
 * Tells people about a {@link Notification}. Implementations must return at once and deliver on their own threads:
 * a caller may be in the middle of a rollback, which nothing may delay.
 */
public interface Notifier extends AutoCloseable {
    void notify(Notification notification);

    @Override
    void close();
}
