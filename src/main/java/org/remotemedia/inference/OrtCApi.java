package org.remotemedia.inference;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtSession;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import org.remotemedia.dsp.NodeException;

/**
 * ONNX Runtime's C API {@code Run}, called through FFM on the library that the Java binding has
 * loaded: the binding's {@code OrtSession.run} allocates ~580 B per call (name and handle arrays,
 * OnnxValue[], a Result), this call nothing. Sessions and tensors are still made and closed by the
 * binding; only their native handles are read here, once.
 *
 * <p>Function-table slots of {@code struct OrtApi} (onnxruntime_c_api.h, API version 24 = ONNX
 * Runtime 1.24; the table only grows at its end, so the slots stay valid for later versions).
 * Pointers are passed and returned as 64-bit integers: the same registers in the C calling
 * convention of every 64-bit platform ONNX Runtime ships for, and no MemorySegment per call.
 *
 * <p>Stateless and thread-safe: ONNX Runtime allows concurrent {@code Run}s on one session.
 */
final class OrtCApi {
    /** The ORT_API_VERSION asked of GetApi: that of the onnxruntime jar in pom.xml (1.24). */
    static final int API_VERSION = 24;
    static final int SLOT_CREATE_STATUS = 0;
    static final int SLOT_GET_ERROR_CODE = 1;
    static final int SLOT_GET_ERROR_MESSAGE = 2;
    static final int SLOT_RUN = 9;
    static final int SLOT_RELEASE_STATUS = 93;

    private static final MethodHandle RUN;
    private static final MethodHandle GET_ERROR_MESSAGE;
    private static final MethodHandle RELEASE_STATUS;
    private static final MethodHandle CREATE_STATUS;
    private static final MethodHandle GET_ERROR_CODE;
    private static final Field SESSION_HANDLE;
    private static final Field VALUE_HANDLE;
    /** Why the C API cannot be used, or null. */
    private static final String FAILURE;
    private static final String VERSION;

    static {
        MethodHandle run = null;
        MethodHandle message = null;
        MethodHandle release = null;
        MethodHandle create = null;
        MethodHandle code = null;
        Field session = null;
        Field value = null;
        String failure = null;
        String version = "?";
        try {
            // the binding loads libonnxruntime (System.load in our class loader) when OrtEnvironment initialises
            Class.forName("ai.onnxruntime.OrtEnvironment", true, OrtCApi.class.getClassLoader());
            Linker linker = Linker.nativeLinker();
            MemorySegment getApiBase = SymbolLookup.loaderLookup().find("OrtGetApiBase")
                    .orElseThrow(() -> new IllegalStateException("OrtGetApiBase not found in the loaded libraries"));
            MemorySegment base = ((MemorySegment) linker.downcallHandle(getApiBase, FunctionDescriptor.of(ADDRESS))
                    .invokeExact()).reinterpret(2 * ADDRESS.byteSize());
            // struct OrtApiBase { GetApi(uint32_t); GetVersionString(void); }
            version = ((MemorySegment) linker.downcallHandle(base.get(ADDRESS, ADDRESS.byteSize()),
                    FunctionDescriptor.of(ADDRESS)).invokeExact()).reinterpret(64).getString(0);
            MemorySegment api = (MemorySegment) linker.downcallHandle(base.get(ADDRESS, 0),
                    FunctionDescriptor.of(ADDRESS, JAVA_INT)).invokeExact(API_VERSION);
            if (api.equals(MemorySegment.NULL)) {
                throw new IllegalStateException("ONNX Runtime " + version + " does not offer C API version " + API_VERSION);
            }
            api = api.reinterpret((SLOT_RELEASE_STATUS + 1) * ADDRESS.byteSize());
            run = linker.downcallHandle(slot(api, SLOT_RUN), FunctionDescriptor.of(JAVA_LONG,
                    JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
            message = linker.downcallHandle(slot(api, SLOT_GET_ERROR_MESSAGE), FunctionDescriptor.of(ADDRESS, JAVA_LONG));
            release = linker.downcallHandle(slot(api, SLOT_RELEASE_STATUS), FunctionDescriptor.ofVoid(JAVA_LONG));
            create = linker.downcallHandle(slot(api, SLOT_CREATE_STATUS), FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS));
            code = linker.downcallHandle(slot(api, SLOT_GET_ERROR_CODE), FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
            session = OrtSession.class.getDeclaredField("nativeHandle");
            session.setAccessible(true);
            value = OnnxTensorLike.class.getDeclaredField("nativeHandle");
            value.setAccessible(true);
        } catch (Throwable t) { // no native access, another ONNX Runtime, a binding without these fields
            failure = t.toString();
        }
        RUN = run;
        GET_ERROR_MESSAGE = message;
        RELEASE_STATUS = release;
        CREATE_STATUS = create;
        GET_ERROR_CODE = code;
        SESSION_HANDLE = session;
        VALUE_HANDLE = value;
        VERSION = version;
        FAILURE = failure == null ? selfCheck() : failure;
    }

    private OrtCApi() {
    }

    private static MemorySegment slot(MemorySegment api, int index) {
        MemorySegment fn = api.get(ADDRESS, index * ADDRESS.byteSize());
        if (fn.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("OrtApi slot " + index + " is empty");
        }
        return fn;
    }

    /** A status made and read back through the table: the slots are the functions we think they are. */
    private static String selfCheck() {
        try (Arena arena = Arena.ofConfined()) {
            String text = "remotemedia C API check";
            long status = (long) CREATE_STATUS.invokeExact(2, arena.allocateFrom(text)); // ORT_INVALID_ARGUMENT
            try {
                int code = (int) GET_ERROR_CODE.invokeExact(status);
                String back = message(status);
                return code == 2 && text.equals(back) ? null
                        : "the OrtApi table does not read back a status (code " + code + ", \"" + back + "\")";
            } finally {
                RELEASE_STATUS.invokeExact(status);
            }
        } catch (Throwable t) {
            return t.toString();
        }
    }

    /** Null when {@link #run} can be used; otherwise why not (for the model's validation error). */
    static String unavailableReason() {
        return FAILURE;
    }

    /** The version string of the loaded library. */
    static String version() {
        return VERSION;
    }

    /** The OrtSession* behind a binding session (read once, when the model is made). */
    static long handle(OrtSession session) {
        try {
            return SESSION_HANDLE.getLong(session);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Run's name argument: a C array of the names (NUL-terminated copies), in the map's order. */
    static MemorySegment nameArray(Arena arena, java.util.Map<String, ? extends OnnxTensorLike> m) {
        MemorySegment a = arena.allocate(ADDRESS, m.size());
        int i = 0;
        for (String name : m.keySet()) {
            a.setAtIndex(ADDRESS, i++, arena.allocateFrom(name));
        }
        return a;
    }

    /** Run's value argument: a C array of the tensors' OrtValue*, in the map's order. */
    static MemorySegment valueArray(Arena arena, java.util.Map<String, ? extends OnnxTensorLike> m) {
        MemorySegment a = arena.allocate(JAVA_LONG, m.size());
        int i = 0;
        for (OnnxTensorLike t : m.values()) {
            a.setAtIndex(JAVA_LONG, i++, handle(t));
        }
        return a;
    }

    /** The OrtValue* behind a binding tensor (read once per tensor). */
    static long handle(OnnxTensorLike tensor) {
        try {
            return VALUE_HANDLE.getLong(tensor);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code Run(session, NULL, inNames, inValues, nIn, outNames, nOut, outValues)}: arguments are
     * native addresses of arrays the caller keeps alive; outputs given non-null are written in place.
     * Allocates nothing unless ONNX Runtime reports an error, which becomes a NodeException with
     * ONNX Runtime's message after {@code what}.
     */
    static void run(long session, long inNames, long inValues, long nIn, long outNames, long nOut, long outValues,
            String what) {
        long status;
        try {
            status = (long) RUN.invokeExact(session, 0L, inNames, inValues, nIn, outNames, nOut, outValues);
        } catch (Throwable t) {
            throw new NodeException(what + ": " + t);
        }
        if (status != 0) {
            throw new NodeException(what + ": " + consume(status));
        }
    }

    /** The message of a non-null status, which is released. */
    private static String consume(long status) {
        try {
            return message(status);
        } catch (Throwable t) {
            return "(no message: " + t + ")";
        } finally {
            try {
                RELEASE_STATUS.invokeExact(status);
            } catch (Throwable ignored) {
                // nothing more to free
            }
        }
    }

    private static String message(long status) throws Throwable {
        MemorySegment p = (MemorySegment) GET_ERROR_MESSAGE.invokeExact(status);
        return p.equals(MemorySegment.NULL) ? "(no message)" : p.reinterpret(Long.MAX_VALUE).getString(0);
    }
}
