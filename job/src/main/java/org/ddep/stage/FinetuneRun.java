package org.ddep.stage;

import org.ddep.config.DdepConfig;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** One fine-tuning run: an initialisation variant at a label fraction, in {@code finetune/<variant>-f<fraction>/}. */
public record FinetuneRun(String variant, double fraction) {
    public String id() {
        return variant + "-f" + new BigDecimal(Double.toString(fraction)).stripTrailingZeros().toPlainString();
    }

    public String dir(RunDir run, String stage) {
        return run.path(stage, id());
    }

    public static List<FinetuneRun> all(DdepConfig c) {
        List<FinetuneRun> out = new ArrayList<>();
        for (double f : c.finetune().labelFractions()) {
            for (String v : c.finetune().variants()) {
                out.add(new FinetuneRun(v, f));
            }
        }
        return out;
    }
}
