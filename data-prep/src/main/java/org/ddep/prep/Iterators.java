package org.ddep.prep;

import java.util.Iterator;
import java.util.function.Function;

/** Lazy mapping of partition iterators: one element at a time, never a whole partition in memory. */
public final class Iterators {
    private Iterators() {
    }

    public static <A, B> Iterator<B> map(Iterator<A> in, Function<A, B> f) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return in.hasNext();
            }

            @Override
            public B next() {
                return f.apply(in.next());
            }
        };
    }

    /** Concatenates, lazily, the iterators {@code f} makes of each element. */
    public static <A, B> Iterator<B> flatMap(Iterator<A> in, Function<A, Iterator<B>> f) {
        return new Iterator<>() {
            private Iterator<B> current = java.util.Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && in.hasNext()) {
                    current = f.apply(in.next());
                }
                return current.hasNext();
            }

            @Override
            public B next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}
