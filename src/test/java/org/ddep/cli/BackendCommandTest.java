package org.ddep.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ddep backend}: names ND4J's backend, and with --expect fails (exit 3) when it is another. */
class BackendCommandTest {
    @Test
    void namesTheCpuBackendAndRefusesToPassForCuda() {
        PlanCommandTest.Outcome cpu = PlanCommandTest.ddep("backend", "--expect", "cpu");
        assertEquals(0, cpu.code(), cpu.err());
        assertTrue(cpu.out().startsWith("nd4j backend: CPU ("), cpu.out());
        PlanCommandTest.Outcome cuda = PlanCommandTest.ddep("backend", "--expect", "cuda");
        assertEquals(BackendCommand.WRONG_BACKEND, cuda.code());
        assertTrue(cuda.err().contains("ND4J's backend is CPU, not CUDA"), cuda.err());
        assertTrue(cuda.err().contains("-Pgpu"), cuda.err());
    }
}
