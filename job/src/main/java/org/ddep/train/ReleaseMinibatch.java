package org.ddep.train;

import org.ddep.data.RoundChunk;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Frees a minibatch's off-heap arrays as soon as the worker has fitted it: an executor streams a
 * whole epoch through its workers, and arrays left to a later garbage collection add up past its
 * memory overhead. Arrays in a workspace (prefetch) are the workspace's to reuse and are left alone.
 */
final class ReleaseMinibatch extends GraphHook {
    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        RoundChunk.release(minibatch);
    }
}
