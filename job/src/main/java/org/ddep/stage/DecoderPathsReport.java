package org.ddep.stage;

import org.ddep.config.DdepConfig;
import org.ddep.data.Augment;
import org.ddep.data.EpochData;
import org.ddep.data.HadoopFiles;
import org.ddep.eval.DecoderPaths;
import org.ddep.noise.DenoisingObjective;
import org.ddep.prep.ShardRecord;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code report/decoder_paths.csv} and its section of index.md: which encoder features the
 * denoising-pretrained decoder uses ({@link DecoderPaths}), measured on {@code report.decoder-path-images}
 * pretraining images.
 */
final class DecoderPathsReport {
    static final String CSV = "decoder_paths.csv";
    private static final Logger LOG = LoggerFactory.getLogger("ddep");
    private static final int BATCH = 16;

    private DecoderPathsReport() {
    }

    /** Measures the run's pretrained decoder and writes the CSV and the section; nothing when the key is 0. */
    static void write(StageContext ctx, String reportDir, StringBuilder md) throws IOException {
        if (ctx.config().decoderPathImages() == 0) {
            return;
        }
        DecoderPaths.Result result = measure(ctx);
        ctx.files().writeString(HadoopFiles.join(reportDir, CSV), HEADER + "\n" + rows("", result));
        md.append(markdown(result, ctx.config()));
    }

    /**
     * The decoder paths of the model {@code ctx}'s decoder pretraining wrote, on {@code report.decoder-path-images}
     * images of its pretraining split corrupted with its noise (the same images and draws for every model of a run).
     */
    static DecoderPaths.Result measure(StageContext ctx) throws IOException {
        DdepConfig c = ctx.config();
        ComputationGraph net = Models.load(ctx.files(), ctx.run().stage(DdepConfig.PRETRAIN_DECODER), "report");
        int size = c.decoder().imageSize();
        SplittableRandom crops = new SplittableRandom(c.seed());
        List<ShardRecord> rows = ReportStage.samples(ctx, c.data().pretrainDataset(), c.data().trainSplit(), false,
                c.decoderPathImages());
        long start = System.nanoTime();
        DecoderPaths.Result result;
        try {
            // Decoded one batch at a time, in order (the crops' random stream is consumed as if all at once).
            result = DecoderPaths.measure(net, rows.size(), i -> {
                try {
                    return Augment.trainingView(EpochData.sample(rows.get(i), false), size, false, crops).chw();
                } catch (IOException e) {
                    throw new UncheckedIOException("report: pretraining image " + rows.get(i).id(), e);
                }
            }, size, new DenoisingObjective(c.noise()), c.seed() + 1, BATCH);
        } finally {
            net.close();
        }
        LOG.info("report: decoder paths of {} measured on {} images, {} cuts, in {} s", ctx.run().uri(),
                rows.size(), result.cuts().size(), String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
        return result;
    }

    static final String HEADER = "cut,features_zeroed,images,loss,zero_prediction_loss,relative_to_zero";

    /** One CSV line per cut, each after {@code lead} (e.g. "0.22," for the noise-level table). */
    static String rows(String lead, DecoderPaths.Result r) {
        StringBuilder out = new StringBuilder();
        for (DecoderPaths.Cut cut : r.cuts()) {
            out.append(lead).append(String.format(Locale.ROOT, "%s,%s,%d,%.6f,%.6f,%.6f%n", cut.name(), cut.features(),
                    r.images(), cut.loss(), cut.zeroPrediction(), cut.relative()));
        }
        return out.toString();
    }

    static String markdown(DecoderPaths.Result r, DdepConfig c) {
        StringBuilder md = new StringBuilder("## What the pretrained decoder uses\n\n");
        DecoderPaths.Cut none = r.cuts().get(0);
        md.append(String.format(Locale.ROOT, "Denoising loss of the pretrained model on %d pretraining images "
                + "(sigma %s, one draw of the noise, inference mode) with encoder features set to zero; predicting "
                + "zero scores %.4f. A feature the decoder does not use leaves the loss where it is (%.4f); one it "
                + "needs raises it towards predicting zero. DDeP's premise is a decoder that uses what the frozen "
                + "encoder knows: if zeroing the deepest features changes little while zeroing the full-resolution "
                + "skip undoes the denoising, pretraining has trained a local filter instead. Features: ",
                r.images(), c.noise().sigma(), none.zeroPrediction(), none.loss()));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < r.features().size(); i++) {
            DecoderPaths.Feature f = r.features().get(i);
            names.add("`" + f.vertex() + "` (" + f.channels() + " channels at " + f.scale()
                    + (i == r.deepest() ? ", the deepest" : "") + ")");
        }
        md.append(String.join(", ", names)).append(".\n\n");
        md.append("| features zeroed | loss | change | relative to predicting zero |\n|---|---|---|---|\n");
        for (DecoderPaths.Cut cut : r.cuts()) {
            md.append(String.format(Locale.ROOT, "| %s | %.4f | %+.1f%% | %.3f |%n", cut.name(), cut.loss(),
                    100 * (cut.loss() / none.loss() - 1), cut.relative()));
        }
        return md.append("\n(`").append(CSV).append("`)\n\n").toString();
    }
}
