package org.ddep.model.layers;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SessionMemMgr;
import org.nd4j.autodiff.samediff.internal.memory.AbstractMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SameDiff sessions that free every intermediate array as soon as the session releases it.
 * SameDiff's default session keeps released arrays in a cache of up to a quarter of JavaCPP's
 * {@code maxbytes} for reuse, one cache per SameDiff instance, and every custom layer is an instance
 * of its own: twenty layers could hold many times the memory of a training step. Measured on the
 * TransUNet denoising step at 128x128 (docs/benchmarks.md), closing instead of caching lowered the
 * memory added per image of batch by a third.
 * <p>
 * A session also keeps the values of its last run (it never clears them), so arrays the session
 * did not release stay alive until the layer runs again: one training step held every custom
 * layer's intermediates at once. An {@link Arena} around a run closes every array the run
 * allocated, once its results have been copied out. Sessions allocate fresh output arrays on every
 * run, so nothing of one run is read in the next.
 */
final class ClosingSessions {
    private static volatile boolean installed;

    private ClosingSessions() {
    }

    /** Makes every SameDiff session created from now on free its released arrays at once. */
    static void install() {
        if (installed) {
            return;
        }
        synchronized (ClosingSessions.class) {
            if (!installed) {
                SameDiff.bindInferenceFactory(sd -> {
                    InferenceSession s = new InferenceSession(sd);
                    s.setMmgr(new Closing());
                    return s;
                });
                installed = true;
            }
        }
    }

    private static final ThreadLocal<Arena> CURRENT = new ThreadLocal<>();

    /** Opens an arena on this thread: what SameDiff sessions allocate until it closes is closed with it. */
    static Arena arena() {
        if (CURRENT.get() != null) {
            throw new IllegalStateException("an arena is already open on this thread");
        }
        Arena a = new Arena();
        CURRENT.set(a);
        return a;
    }

    /** The arrays one run of a layer's SameDiff graph allocated. Copy the results out before closing it. */
    static final class Arena implements AutoCloseable {
        private final java.util.List<INDArray> arrays = new java.util.ArrayList<>();

        @Override
        public void close() {
            CURRENT.remove();
            for (INDArray a : arrays) {
                if (a.closeable()) {
                    a.close();
                }
            }
            arrays.clear();
        }
    }

    private static INDArray track(INDArray a) {
        Arena arena = CURRENT.get();
        if (arena != null) {
            arena.arrays.add(a);
        }
        return a;
    }

    /** Allocates detached arrays, closes each one the session releases, and records the rest in the open arena. */
    static final class Closing extends AbstractMemoryMgr implements SessionMemMgr {
        @Override
        public INDArray allocate(boolean detached, DataType dataType, long... shape) {
            return track(Nd4j.createUninitializedDetached(dataType, shape));
        }

        @Override
        public INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
            return track(descriptor.isEmpty() ? Nd4j.create(descriptor)
                    : Nd4j.createUninitializedDetached(descriptor.dataType(), descriptor.getShape()));
        }

        @Override
        public void release(INDArray array) {
            if (array.closeable()) {
                array.close();
            }
        }

        @Override
        public void close() {
        }
    }
}
