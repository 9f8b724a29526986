package org.nd4j.nativeblas;

import java.lang.reflect.Method;

/**
 * Compatibility shim for a stale class name in DL4J 1.0.0-M2 and M2.1. Its oneDNN layer helpers
 * ({@code BaseMKLDNNHelper.mklDnnEnabled}) look up {@code org.nd4j.nativeblas.Nd4jCpu$Environment},
 * which ND4J moved to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment}; the
 * lookup fails and every convolution falls back to DL4J's im2col path, about 9x slower on CPU.
 * This class answers that lookup by asking the real environment, so helpers run exactly when the
 * loaded libnd4j was built with oneDNN. See docs in README ("CPU performance").
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        /** Whether the loaded native library was built with oneDNN and allows it. */
        public boolean isUseMKLDNN() {
            try {
                Class<?> env = Class.forName("org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment");
                Object real = env.getMethod("getInstance").invoke(null);
                Method m = env.getMethod("isUseONEDNN");
                return (boolean) m.invoke(real);
            } catch (ReflectiveOperationException | LinkageError e) {
                return false;
            }
        }
    }
}
