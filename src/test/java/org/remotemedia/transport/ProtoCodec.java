package org.remotemedia.transport;

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
 * Test-scope protobuf glue of the kind a service writes: parse an {@link InboundMessage} with
 * aliasing (no copy of bytes fields), encode straight into the transport's buffer.
 */
final class ProtoCodec {
    static final MessageEncoder<MessageLite> ENCODER = new MessageEncoder<>() {
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

    private ProtoCodec() {
    }

    /** Parses with aliasing: bytes fields become views of the network buffers. */
    static <T> T parse(InboundMessage m, Parser<T> parser) throws InvalidProtocolBufferException {
        ByteString bytes;
        if (m.bufferCount() <= 1) {
            bytes = UnsafeByteOperations.unsafeWrap(m.buffer());
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
