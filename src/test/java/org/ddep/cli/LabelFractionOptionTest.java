package org.ddep.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --label-fraction} fails before any Spark work when the config does not list it or the stage has none. */
class LabelFractionOptionTest {
    @Test
    void aFractionTheConfigDoesNotListFailsBeforeSparkStarts(@TempDir Path dir) {
        String err = run("finetune", "--label-fraction", "0.3", "--set", "finetune.label-fractions=[0.1]",
                "--run-dir", dir.resolve("run").toString());
        assertTrue(err.contains("--label-fraction") && err.contains("0.3") && err.contains("[0.1]"), err);
        assertFalse(Files.exists(dir.resolve("run")), "a run directory was started");
    }

    @Test
    void aStageWithoutFractionsRefusesTheOption(@TempDir Path dir) {
        String err = run("pretrain-decoder", "--label-fraction", "0.1", "--run-dir", dir.resolve("run").toString());
        assertTrue(err.contains("applies to [finetune, evaluate], not to pretrain-decoder"), err);
    }

    private static String run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        try {
            assertEquals(2, Main.commandLine().execute(args));
        } finally {
            System.setErr(old);
        }
        return buf.toString();
    }
}
