package org.remotemedia.service;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.MessageEncoder;

/**
 * Protobuf on the rpc API: parse an {@link InboundMessage} with aliasing (bytes fields are views
 * of the network buffers, valid as long as the message is), and encode straight into the
 * transport's pooled buffer. Stateless; any thread.
 */
public final class Protos {
    /** Serializes any protobuf message into the buffer the transport reserved for it. */
    public static final MessageEncoder<MessageLite> ENCODER = new MessageEncoder<>() {
        @Override
        public int serializedSize(MessageLite message) {
            return message.getSerializedSize();
        }

        @Override
        public void encode(MessageLite message, ByteBuffer dst) {
            CodedOutputStream out = CodedOutputStream.newInstance(dst);
            try {
                message.writeTo(out);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private Protos() {
    }

    /** Parses {@code m}; bytes fields alias its buffers (retain the message to keep them past the callback). */
    public static <T> T parse(InboundMessage m, Parser<T> parser) throws InvalidProtocolBufferException {
        ByteString bytes;
        if (m.bufferCount() <= 1) {
            bytes = m.bufferCount() == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(m.buffer());
        } else {
            bytes = ByteString.EMPTY;
            for (ByteBuffer b : m.buffers()) {
                bytes = bytes.concat(UnsafeByteOperations.unsafeWrap(b));
            }
        }
        CodedInputStream in = bytes.newCodedInput();
        in.enableAliasing(true);
        return parser.parseFrom(in);
    }
}
