package org.ddep.train;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Kryo for ND4J arrays, copying their memory in bulk. ND4J's own serializers (Java serialization
 * and {@code org.nd4j.kryo.Nd4jSerializer} alike) write and read an array one element at a time
 * through a {@code DataOutputStream}; an averaging round moves the whole model that way several
 * times (the broadcast, every worker's result, the partial sums), 12 bytes per parameter each.
 * This writes the array's type, order and shape, then its bytes in the machine's order, 1 MiB at a
 * time from native memory.
 *
 * <p>Arrays are read back detached (outside any workspace), contiguous, in the writer's order. The
 * bytes are native-endian: writer and reader must share a byte order (every JVM a Spark cluster
 * runs on does), and a mismatch is an error naming both. On a CUDA backend the host copy is made
 * current before writing and marked newest after reading.
 */
public final class ArrayKryoSerializer extends Serializer<INDArray> {
    private static final int FORMAT = 1;
    private static final int CHUNK = 1 << 20;
    private static final byte NATIVE = (byte) (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 'L' : 'B');

    @Override
    public void write(Kryo kryo, Output out, INDArray array) {
        boolean copy = writesFromACopy(array);
        INDArray a = copy ? array.dup(array.ordering()) : array;
        try {
            write(out, a);
        } finally {
            // The copy must stay reachable until its bytes are out: once only the raw pointer is in use, the
            // compiled loop treats `a` as dead, a collection between two chunks lets ND4J's deallocator free
            // it, and the next chunk's memcpy faults (SIGSEGV). Seen in a round's broadcast while the model's params()
            // (a reshaped view) were still copied. Free the copy as soon as its bytes are out.
            Reference.reachabilityFence(a);
            if (copy && a.closeable()) {
                a.close();
            }
        }
    }

    /**
     * Whether {@link #write} copies the array first: unless its buffer holds exactly its elements, from the
     * buffer's start, in its order. A reshaped whole array is written in place (a model's {@code params()} is
     * one: a copy would cost the model's size per broadcast); a part of a buffer, or strided, is copied.
     */
    public static boolean writesFromACopy(INDArray array) {
        return !array.isEmpty() && (array.offset() != 0 || array.data().offset() != 0
                || array.data().length() != array.length()
                || !Arrays.equals(array.stride(), Nd4j.getStrides(array.shape(), array.ordering())));
    }

    private static void write(Output out, INDArray a) {
        out.writeByte(FORMAT);
        out.writeByte(NATIVE);
        out.writeString(a.dataType().name());
        out.writeByte(a.ordering());
        long[] shape = a.shape();
        out.writeVarInt(shape.length, true);
        for (long d : shape) {
            out.writeVarLong(d, true);
        }
        long bytes = a.isEmpty() ? 0 : a.length() * a.dataType().width();
        out.writeVarLong(bytes, true);
        if (bytes == 0) {
            return;
        }
        Nd4j.getAffinityManager().ensureLocation(a, AffinityManager.Location.HOST);
        BytePointer p = new BytePointer(a.data().pointer());
        byte[] chunk = new byte[(int) Math.min(bytes, CHUNK)];
        for (long at = 0; at < bytes; at += chunk.length) {
            int n = (int) Math.min(chunk.length, bytes - at);
            p.position(at).get(chunk, 0, n);
            out.writeBytes(chunk, 0, n);
        }
    }

    @Override
    public INDArray read(Kryo kryo, Input in, Class<INDArray> type) {
        int format = in.readByte();
        if (format != FORMAT) {
            throw new KryoException("an ND4J array in format " + format + " where ddep reads format " + FORMAT
                    + ": writer and reader run different ddep versions");
        }
        byte order = in.readByte();
        if (order != NATIVE) {
            throw new KryoException("an ND4J array written " + (order == 'L' ? "little" : "big") + "-endian, read on a "
                    + ByteOrder.nativeOrder() + " machine: every JVM of a job must share a byte order");
        }
        DataType dtype = DataType.valueOf(in.readString());
        char ordering = (char) in.readByte();
        long[] shape = new long[in.readVarInt(true)];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = in.readVarLong(true);
        }
        long bytes = in.readVarLong(true);
        if (bytes == 0) {
            try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return Nd4j.create(dtype, shape, Nd4j.getStrides(shape, ordering), ordering);
            }
        }
        INDArray a = Nd4j.createUninitializedDetached(dtype, ordering, shape);
        if (a.length() * dtype.width() != bytes) {
            throw new KryoException("an ND4J array of " + dtype + " " + Arrays.toString(shape) + " with "
                    + bytes + " bytes of data: expected " + a.length() * dtype.width());
        }
        BytePointer p = new BytePointer(a.data().pointer());
        byte[] chunk = new byte[(int) Math.min(bytes, CHUNK)];
        for (long at = 0; at < bytes; at += chunk.length) {
            int n = (int) Math.min(chunk.length, bytes - at);
            in.readBytes(chunk, 0, n);
            p.position(at).put(chunk, 0, n);
        }
        Nd4j.getAffinityManager().tagLocation(a, AffinityManager.Location.HOST);
        return a;
    }
}
