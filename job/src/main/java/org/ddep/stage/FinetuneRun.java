package org.ddep.stage;

import org.ddep.config.DdepConfig;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

/**
 * One fine-tuning run: an initialisation variant at a label fraction with one seed, in
 * {@code finetune/<variant>-f<fraction>/} for the run's own seed (the folder every run had before there
 * were seeds, so those runs are reused) and {@code finetune/<variant>-f<fraction>-s<seed>/} for the others.
 */
public record FinetuneRun(String variant, double fraction, long seed, boolean ownSeed) {
    /**
     * Seeds after the first are this far apart: the trainer seeds epoch e's split with seed x 31 + e, so seeds
     * 1 apart would share their splits 31 epochs apart.
     */
    static final long SEED_STEP = 1000;

    /** The run with the config's own seed. */
    public static FinetuneRun of(DdepConfig c, String variant, double fraction) {
        return new FinetuneRun(variant, fraction, c.seed(), true);
    }

    /** The config's {@code sweep.seeds} seeds: {@code seed}, then {@code seed + 1000}, {@code seed + 2000}, ... */
    public static List<Long> seeds(DdepConfig c) {
        return LongStream.range(0, c.sweep().seeds()).map(k -> c.seed() + k * SEED_STEP).boxed().toList();
    }

    /** One run per seed of the config, for one variant and fraction. */
    public static List<FinetuneRun> seeded(DdepConfig c, String variant, double fraction) {
        return seeds(c).stream().map(s -> new FinetuneRun(variant, fraction, s, s == c.seed())).toList();
    }

    public String id() {
        return variant + "-f" + new BigDecimal(Double.toString(fraction)).stripTrailingZeros().toPlainString()
                + (ownSeed ? "" : "-s" + seed);
    }

    public String dir(RunDir run, String stage) {
        return run.path(stage, id());
    }

    /** Every fine-tuning run of the pipeline: each label fraction, seed and variant (a seed's pair together). */
    public static List<FinetuneRun> all(DdepConfig c) {
        List<FinetuneRun> out = new ArrayList<>();
        for (double f : c.finetune().labelFractions()) {
            for (long s : seeds(c)) {
                for (String v : c.finetune().variants()) {
                    out.add(new FinetuneRun(v, f, s, s == c.seed()));
                }
            }
        }
        return out;
    }
}
