package org.ddep.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.ddep.config.ConfigLoader;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.train.CosineDecay;
import org.ddep.train.Workspaces;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ddep step-benchmark}: one JSON line of the configured model's step, and bad arguments fail before any work. */
class StepBenchmarkCommandTest {
    static final List<String> TINY_TRANSUNET = List.of("model.arch=transunet", "model.transunet.resnet-units=[1, 1, 1]",
            "model.transunet.resnet-width=32", "model.transunet.hidden=32", "model.transunet.layers=2",
            "model.transunet.heads=2", "model.transunet.mlp=64", "model.transunet.position-grid=2");

    @Test
    void printsOneJsonLineWithThroughputAndPeaksOfTheConfiguredModel() throws Exception {
        List<String> args = new ArrayList<>(List.of("step-benchmark", "--stage", "finetune", "--batch", "2",
                "--image-size", "32", "--steps", "2", "--warmup", "1", "--classes", "5"));
        TINY_TRANSUNET.forEach(k -> args.addAll(List.of("--set", k)));
        String out = capture(0, args.toArray(String[]::new))[0];
        List<String> lines = out.lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(1, lines.size(), out);
        JsonNode j = new ObjectMapper().readTree(lines.get(0));
        assertEquals("finetune", j.get("stage").asText());
        assertEquals("transunet", j.get("arch").asText());
        assertEquals(2, j.get("batch").asInt());
        assertEquals(32, j.get("image_size").asInt());
        long params = ModelFactory.create(ConfigLoader.load(null, TINY_TRANSUNET).model(), Head.segment(5),
                new CosineDecay(1e-4, 1), 0).numParams();
        assertEquals(params, j.get("params").asLong(), "the configured model with a 5-class head");
        assertTrue(j.get("images_per_s").asDouble() > 0, out);
        assertTrue(j.get("peak_rss_mb").asLong() >= j.get("rss_before_model_mb").asLong(), out);
        assertTrue(j.get("peak_native_mb").asLong() > 0, out);
        assertTrue(j.has("peak_javacpp_mb"), out);
        // The steps' own peak (Linux resets it after model set-up): positive and within the run's peak.
        long steps = j.get("steps_peak_rss_mb").asLong();
        assertTrue(steps > 0 && steps <= j.get("peak_rss_mb").asLong(), out);
        // Fine-tuning has no frozen encoder pass; its fit's peak is one of the steps'.
        assertEquals(-1, j.get("encoder_pass_peak_rss_mb").asLong(), out);
        assertTrue(j.get("fit_peak_rss_mb").asLong() > 0 && j.get("fit_peak_rss_mb").asLong() <= steps, out);
        // The timed steps start once every workspace holds its learnt size, so the peaks are steady training's.
        assertEquals(0, j.get("workspaces_learning").asInt(), out);
        assertEquals(0, j.get("workspaces_learning_mb").asLong(), out);
        // By default DL4J's workspaces settle in the first step, so no warm-up beyond --warmup is needed.
        assertEquals("early", j.get("settle").asText(), out);
        assertEquals("lean", j.get("workspaces").asText(), "train.workspaces = auto on the CPU backend: " + out);
        assertEquals(1, j.get("warmup_run").asInt(), out);
    }

    @Test
    void pretrainDecoderStepUsesTheDenoisingModel() throws Exception {
        List<String> args = new ArrayList<>(List.of("step-benchmark", "--stage", "pretrain-decoder", "--batch", "1",
                "--image-size", "32", "--steps", "1", "--warmup", "0", "--set", "train.workspaces=lean"));
        TINY_TRANSUNET.forEach(k -> args.addAll(List.of("--set", k)));
        String out;
        MemoryWorkspace ring;
        try {
            out = capture(0, args.toArray(String[]::new))[0];
            ring = Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(Workspaces.RING_PREFIX + 0);
        } finally {
            Workspaces.apply("hold");
        }
        JsonNode j = new ObjectMapper().readTree(out.lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
        // train.workspaces applies as the workers apply it: the steps ran with lean per-vertex workspaces.
        assertEquals("lean", j.get("workspaces").asText(), out);
        assertTrue(Workspaces.isLean(ring) && ring.getMaxCycleAllocations() > 0 && ring.getCurrentSize() == 0,
                "the steps used the lean per-vertex workspace, which holds nothing after them");
        long params = ModelFactory.create(ConfigLoader.load(null, TINY_TRANSUNET).model(), Head.denoise(),
                new CosineDecay(1e-4, 1), 0).numParams();
        assertEquals(params, j.get("params").asLong());
        assertEquals("pretrain-decoder", j.get("stage").asText());
        // Where the timed step peaked: the frozen encoder's pass and the decoder's fit, each within the steps' peak.
        long steps = j.get("steps_peak_rss_mb").asLong();
        for (String phase : List.of("encoder_pass_peak_rss_mb", "fit_peak_rss_mb")) {
            assertTrue(j.get(phase).asLong() > 0 && j.get(phase).asLong() <= steps, phase + ": " + out);
        }
    }

    @Test
    void badArgumentsFailWithTheOptionNamedBeforeAnyWork() {
        assertTrue(capture(2, "step-benchmark", "--stage", "evaluate")[1].contains("--stage evaluate"));
        assertTrue(capture(2, "step-benchmark", "--image-size", "60")[1].contains("--image-size 60 must divide by 16"));
        assertTrue(capture(2, "step-benchmark", "--batch", "0")[1].contains("--batch"));
        assertTrue(capture(2, "step-benchmark", "--set", "model.arch=vgg")[1].contains("model.arch"));
    }

    /** Runs the CLI expecting {@code code}; returns [stdout, stderr]. */
    private static String[] capture(int code, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true));
        System.setErr(new PrintStream(e, true));
        try {
            assertEquals(code, Main.commandLine().execute(args), () -> "stdout: " + o + "\nstderr: " + e);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[]{o.toString(), e.toString()};
    }
}
