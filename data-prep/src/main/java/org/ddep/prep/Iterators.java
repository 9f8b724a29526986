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
}
