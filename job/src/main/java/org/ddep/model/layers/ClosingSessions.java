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

    /** Allocates detached arrays and closes each one the session releases. */
    static final class Closing extends AbstractMemoryMgr implements SessionMemMgr {
        @Override
        public INDArray allocate(boolean detached, DataType dataType, long... shape) {
            return Nd4j.createUninitializedDetached(dataType, shape);
        }

        @Override
        public INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
            return descriptor.isEmpty() ? Nd4j.create(descriptor)
                    : Nd4j.createUninitializedDetached(descriptor.dataType(), descriptor.getShape());
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
