package org.remotemedia.transport;

import io.netty.channel.Channel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The server's open connections, for the graceful drain and the connection gauge. A connection
 * leaves when its channel closes (the channel's close future), whatever closed it, so the
 * registry holds exactly the open connections and never grows with connections ever accepted.
 *
 * <p>Thread-safe: added to on the event loop that accepts a channel, removed from on the loop
 * that closes it, read by the metrics scraper and the thread that shuts the server down.
 */
final class ConnectionRegistry {
    private final Set<ConnectionHandler> open = ConcurrentHashMap.newKeySet();

    /** Registers {@code handler} until {@code channel} closes (at once if it already has). */
    void add(ConnectionHandler handler, Channel channel) {
        open.add(handler);
        channel.closeFuture().addListener(f -> open.remove(handler));
    }

    int size() {
        return open.size();
    }

    void forEach(Consumer<ConnectionHandler> action) {
        open.forEach(action);
    }
}
