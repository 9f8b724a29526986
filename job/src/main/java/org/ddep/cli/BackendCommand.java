package org.ddep.cli;

import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * {@code ddep backend}: which ND4J backend this JVM loaded (CPU or CUDA) and its devices. With
 * {@code --expect cuda} it fails (exit 3) unless the backend is CUDA: deploy/gpu/smoke.sh uses it so a
 * GPU smoke test cannot pass on the CPU.
 */
@Command(name = "backend", mixinStandardHelpOptions = true,
        description = "Print ND4J's backend (CPU or CUDA) and devices; --expect cuda fails unless it is CUDA. No Spark.")
final class BackendCommand implements Callable<Integer> {
    static final int WRONG_BACKEND = 3;

    @Option(names = "--expect", description = "cpu or cuda: exit 3 unless this is the backend ND4J loaded.")
    String expect;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String backend;
        Properties env;
        try {
            env = Nd4j.getExecutioner().getEnvironmentInformation();
            backend = String.valueOf(env.getProperty("backend", "unknown"));
        } catch (Throwable e) {
            // A CUDA build on a machine without a usable GPU fails here, inside ND4J's backend loading.
            err.println("ddep backend: ND4J loaded no backend: " + rootCause(e) + "\n" + hint());
            err.flush();
            return WRONG_BACKEND;
        }
        out.printf("nd4j backend: %s (%s)%n", backend, Nd4j.getBackend().getClass().getName());
        env.stringPropertyNames().stream().filter(k -> k.startsWith("cuda.") || k.equals("cores.total")
                || k.equals("blas.vendor")).sorted().forEach(k -> out.printf("  %s = %s%n", k, env.getProperty(k)));
        out.flush();
        if (expect != null && !expect.equalsIgnoreCase(backend)) {
            err.println("ddep backend: ND4J's backend is " + backend + ", not " + expect.toUpperCase() + "."
                    + (expect.equalsIgnoreCase("cuda") ? "\n" + hint() : ""));
            err.flush();
            return WRONG_BACKEND;
        }
        return 0;
    }

    private static String hint() {
        return "A CUDA run needs the -Pgpu build on its classpath (nd4j-cuda-11.6), an NVIDIA GPU that nvidia-smi "
                + "lists, a driver for CUDA 11.6 or later, and cuDNN 8.3 (or org.bytedeco:cuda-platform-redist).";
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
