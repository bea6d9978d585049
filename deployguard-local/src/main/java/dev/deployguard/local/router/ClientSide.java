package dev.deployguard.local.router;

import io.netty.channel.ChannelFuture;

/**
 * The user's end of an {@link Exchange}: an HTTP/1.x connection ({@link ClientConnection}) or one HTTP/2 stream
 * ({@link H2Stream}), which the exchange writes HTTP/1.1 objects to either way.
 */
sealed interface ClientSide permits ClientConnection, H2Stream {

    /** Whether a read batch from the user is under way (writes to the backend are flushed at its end). */
    boolean inRead();

    /** Whether requests arrived behind the current one and wait their turn (never on an HTTP/2 stream). */
    boolean hasPipelined();

    /** Pauses or resumes reading from the user, as the exchange wants. */
    void updateAutoRead();

    /** The exchange wrote its whole response and read its whole request. */
    void exchangeDone(Exchange done, boolean keepAlive);

    /** Ends the user's side once {@code written} (a refusal) is out. */
    void lingerAndClose(ChannelFuture written);

    /** Whether the user reached the router over TLS. */
    boolean secure();
}
