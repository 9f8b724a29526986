package org.ddep.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Off-heap arrays of consumed minibatches, kept for the next minibatch of the same type and shape.
 * A fresh ND4J array is zero-filled by libnd4j and, above glibc's mmap threshold (a (c) minibatch of
 * 8 crops at 1024 is 100 MB), paged in anew every time: 40-66 ms per 1024 example on a machine with
 * slow page faults, most of that example's cost (docs/benchmarks.md, "Reused minibatch buffers").
 * An array is given back only by {@link RoundChunk#release}, which the consumer calls when it is done
 * with the minibatch (the training worker after fitting it), so reuse is exactly as safe as the
 * freeing it replaces. At most {@link #MAX_BYTES} (512 MiB) are kept (one JVM-wide pool, shared by the
 * executor's threads); past that, or for arrays that are views or live in a workspace, the array is
 * closed as before. The pool holds no more arrays than were in flight at once, plus the odd shapes
 * of partition tails, which the oldest-first eviction drops. With worker prefetch DL4J builds each
 * minibatch inside a workspace, which reuses its own memory: those arrays are never pooled.
 */
public final class MinibatchBuffers {
    /** Bytes kept at most: a few minibatches at 1024 (108 MB each), dozens at 224. */
    static final long MAX_BYTES = 512L << 20;

    /** The cap in force ({@link #MAX_BYTES}; tests lower it). */
    static volatile long maxBytes = MAX_BYTES;

    private record Key(DataType type, long[] shape) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.type == type && Arrays.equals(k.shape, shape);
        }

        @Override
        public int hashCode() {
            return 31 * type.hashCode() + Arrays.hashCode(shape);
        }
    }

    /** Kept arrays by type and shape, in insertion order so the oldest shape goes first. */
    private static final Map<Key, ArrayDeque<INDArray>> POOL = new java.util.LinkedHashMap<>();
    /**
     * The types and shapes minibatches were asked for. Only arrays of these are kept: a released
     * minibatch may hold other arrays (a frozen encoder's features), which no minibatch would take.
     */
    private static final java.util.Set<Key> ASKED = new java.util.HashSet<>();
    private static long bytes;
    private static long reused;
    private static long allocated;

    private MinibatchBuffers() {
    }

    /** A c-order array of this type and shape whose contents are undefined: a kept one, or a new one. */
    public static INDArray take(DataType type, long[] shape) {
        synchronized (POOL) {
            Key key = new Key(type, shape.clone());
            ASKED.add(key);
            ArrayDeque<INDArray> q = POOL.get(key);
            if (q != null && !q.isEmpty()) {
                INDArray a = q.pop();
                bytes -= size(a);
                reused++;
                return a;
            }
            allocated++;
        }
        return Nd4j.createUninitialized(type, shape, 'c');
    }

    /** Keeps a consumed minibatch's array for reuse, or closes it (frees its memory now). */
    public static void give(INDArray a) {
        if (a == null || !a.closeable()) {
            return;  // a view, or an array in a workspace: not ours to keep or free
        }
        java.util.List<INDArray> free = new java.util.ArrayList<>();
        synchronized (POOL) {
            keep(a, free);
        }
        free.forEach(INDArray::close);
    }

    /** Under the lock: keeps {@code a} and evicts past the cap, adding what is to be freed to {@code free}. */
    private static void keep(INDArray a, java.util.List<INDArray> free) {
        long n = size(a);
        Key key = new Key(a.dataType(), a.shape());
        // Views, other orders, arrays past the cap and shapes no minibatch was asked for (a frozen
        // encoder's features): freed as before.
        if (a.isView() || a.ordering() != 'c' || n > maxBytes || !ASKED.contains(key)) {
            free.add(a);
            return;
        }
        ArrayDeque<INDArray> mine = POOL.computeIfAbsent(key, k -> new ArrayDeque<>());
        for (INDArray x : mine) {
            if (x == a) {
                return;  // given twice (one array in two places of a minibatch): kept once
            }
        }
        mine.push(a);
        bytes += n;
        Iterator<ArrayDeque<INDArray>> it = POOL.values().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            ArrayDeque<INDArray> q = it.next();
            while (bytes > maxBytes && !q.isEmpty() && q.peekLast() != a) {
                INDArray old = q.removeLast();
                bytes -= size(old);
                free.add(old);
            }
            if (q.isEmpty()) {
                it.remove();
            }
        }
    }

    /** Frees every kept array (a worker between stages, and tests). */
    public static void clear() {
        java.util.List<INDArray> all = new java.util.ArrayList<>();
        synchronized (POOL) {
            POOL.values().forEach(all::addAll);
            POOL.clear();
            ASKED.clear();
            bytes = 0;
        }
        all.forEach(INDArray::close);
    }

    /** Bytes kept now. */
    public static long keptBytes() {
        synchronized (POOL) {
            return bytes;
        }
    }

    /** Arrays taken from the pool and newly allocated so far: {reused, allocated}. */
    public static long[] counts() {
        synchronized (POOL) {
            return new long[] {reused, allocated};
        }
    }

    private static long size(INDArray a) {
        return a.length() * a.dataType().width();
    }
}
