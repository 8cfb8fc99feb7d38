package org.remotemedia.service.health;

import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.proto.grpc.health.v1.HealthCheckRequest;
import org.remotemedia.proto.grpc.health.v1.HealthCheckResponse;
import org.remotemedia.proto.grpc.health.v1.HealthCheckResponse.ServingStatus;
import org.remotemedia.proto.grpc.health.v1.HealthProto;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.MethodKind;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.rpc.UnaryHandler;
import org.remotemedia.rpc.Workload;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.service.ProtoCodec;

/**
 * {@code grpc.health.v1.Health}: {@code Check} answers the current status of the server as a
 * whole ({@code ""}) or of one service (NOT_FOUND for a service it does not know);
 * {@code Watch} sends the current status at once and then every change, coalesced (a watcher
 * that is not reading sees only the latest status when it resumes). {@link #enterDrain()}
 * turns every status to NOT_SERVING for good and ends the watches, so that a draining
 * server is not held open by health watchers.
 *
 * <p>Threads: statuses may be set from any thread (writers serialize on this object, so a
 * status set concurrently with the drain cannot undo it; readers use the concurrent map
 * without locks); each watch's state is owned by its call's event loop, where every send
 * happens.
 */
public final class HealthService {
    /** The service name, as clients and reflection see it. */
    public static final String SERVICE_NAME = "grpc.health.v1.Health";
    /** The name that stands for the server as a whole. */
    public static final String OVERALL = "";
    /**
     * The name a liveness probe asks for (Kubernetes' gRPC liveness probe): SERVING while the
     * process serves at all, not turned off by overload as {@link #OVERALL} is, so that a busy
     * server is taken out of rotation (readiness) but never restarted for being busy.
     */
    public static final String LIVENESS = "remotemedia.v1.Liveness";

    private static final HealthCheckResponse[] RESPONSES = new HealthCheckResponse[4];

    static {
        for (ServingStatus s : new ServingStatus[] {ServingStatus.UNKNOWN, ServingStatus.SERVING,
                ServingStatus.NOT_SERVING, ServingStatus.SERVICE_UNKNOWN}) {
            RESPONSES[s.getNumber()] = HealthCheckResponse.newBuilder().setStatus(s).build();
        }
    }

    private final Map<String, ServingStatus> statuses = new ConcurrentHashMap<>();
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;

    /** A health service that knows only the server as a whole, SERVING. */
    public HealthService() {
        statuses.put(OVERALL, ServingStatus.SERVING);
    }

    /** The descriptor of grpc.health.v1.Health, for reflection. */
    public static Descriptors.ServiceDescriptor descriptor() {
        return HealthProto.getDescriptor().findServiceByName("Health");
    }

    /** Registers Check and Watch. */
    public HealthService register(MethodRegistry.Builder registry) {
        registry.add("/" + SERVICE_NAME + "/Check", MethodKind.UNARY, Workload.PROBE, (UnaryHandler) this::check);
        registry.add("/" + SERVICE_NAME + "/Watch", MethodKind.SERVER_STREAMING, Workload.PROBE,
                (UnaryHandler) this::watch);
        return this;
    }

    /**
     * Sets the status of {@code service} ({@link #OVERALL} for the server) and notifies its
     * watchers. Ignored once draining: NOT_SERVING is then final. Any thread.
     */
    public synchronized void setStatus(String service, ServingStatus status) {
        if (status == null || status == ServingStatus.UNRECOGNIZED || status == ServingStatus.SERVICE_UNKNOWN) {
            throw new IllegalArgumentException("status " + status + ": use SERVING, NOT_SERVING or UNKNOWN, "
                    + "or clearStatus() to forget a service");
        }
        if (draining) {
            return;
        }
        statuses.put(service, status);
        notifyWatchers(service);
    }

    /** Forgets {@code service}: Check answers NOT_FOUND, watchers see SERVICE_UNKNOWN. Any thread. */
    public synchronized void clearStatus(String service) {
        if (draining) {
            return;
        }
        statuses.remove(service);
        notifyWatchers(service);
    }

    /** The current status of {@code service}, or null if unknown. */
    public ServingStatus status(String service) {
        return statuses.get(service);
    }

    /**
     * The server starts draining: every known service (and the server) becomes NOT_SERVING for
     * good, watchers receive it, and their calls end with UNAVAILABLE so they do not hold the
     * drain open. Any thread; idempotent.
     */
    public synchronized void enterDrain() {
        if (draining) {
            return;
        }
        draining = true;
        statuses.replaceAll((k, v) -> ServingStatus.NOT_SERVING);
        for (Watch w : watches) {
            w.schedule();
        }
    }

    public boolean isDraining() {
        return draining;
    }

    /** Open Watch calls (tests, metrics). */
    public int watchCount() {
        return watches.size();
    }

    private void notifyWatchers(String service) {
        for (Watch w : watches) {
            if (w.service.equals(service)) {
                w.schedule();
            }
        }
    }

    // ------------------------------------------------------------------ handlers (event loop)

    private void check(ServerCall call, InboundMessage request) {
        HealthCheckRequest req = parse(call, request);
        if (req == null) {
            return;
        }
        ServingStatus s = statuses.get(req.getService());
        if (s == null) {
            call.close(Status.of(StatusCode.NOT_FOUND, "unknown service '" + req.getService()
                    + "': ask for \"\" (the whole server) or a service the server lists through reflection"));
            return;
        }
        call.sendMessage(RESPONSES[s.getNumber()], ProtoCodec.ENCODER);
        call.close(Status.OK);
    }

    private void watch(ServerCall call, InboundMessage request) {
        HealthCheckRequest req = parse(call, request);
        if (req == null) {
            return;
        }
        Watch w = new Watch(call, req.getService());
        call.setListener(w);
        watches.add(w);
        w.flush();
    }

    private static HealthCheckRequest parse(ServerCall call, InboundMessage request) {
        try {
            return ProtoCodec.parse(request, HealthCheckRequest.parser());
        } catch (InvalidProtocolBufferException e) {
            call.close(Status.of(StatusCode.INVALID_ARGUMENT, "the request is not a valid "
                    + "grpc.health.v1.HealthCheckRequest: " + e.getMessage()));
            return null;
        }
    }

    /** One Watch call. Owned by its call's event loop; {@link #schedule()} from any thread. */
    private final class Watch implements CallListener, Runnable {
        final ServerCall call;
        final String service;
        private ServingStatus lastSent;
        private boolean ended;

        Watch(ServerCall call, String service) {
            this.call = call;
            this.service = service;
        }

        void schedule() {
            try {
                call.eventLoop().execute(this);
            } catch (RejectedExecutionException e) {
                // the event loop is gone with its connection: nothing left to tell
                watches.remove(this);
            }
        }

        @Override
        public void run() {
            flush();
        }

        /** Sends the latest status if it changed and the client is reading; ends the watch when draining. */
        void flush() {
            if (ended) {
                return;
            }
            ServingStatus s = statuses.get(service);
            if (s == null) {
                s = ServingStatus.SERVICE_UNKNOWN;
            }
            if (s != lastSent) {
                if (call.isReady()) {
                    call.sendMessage(RESPONSES[s.getNumber()], ProtoCodec.ENCODER);
                    lastSent = s;
                } else if (!draining) {
                    return; // onReady sends the latest one
                }
            }
            if (draining) {
                ended = true;
                watches.remove(this);
                call.close(Status.of(StatusCode.UNAVAILABLE, "the server is shutting down; the health watch ends"));
            }
        }

        @Override
        public void onReady() {
            flush();
        }

        @Override
        public void onCancel(Status reason) {
            ended = true;
            watches.remove(this);
        }

        @Override
        public void onComplete() {
            ended = true;
            watches.remove(this);
        }
    }
}
