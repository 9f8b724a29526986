package org.ddep.stage;

import org.ddep.config.DemoSettings;
import org.ddep.prep.DeadLeaves;
import org.ddep.prep.SyntheticScenes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/** The demo's generated source data in {@code <run>/data}, written once per run directory. */
public final class DemoData {
    private static final Logger LOG = LoggerFactory.getLogger("ddep");

    private DemoData() {
    }

    public static void ensure(StageContext ctx) throws IOException {
        String data = ctx.run().path("data");
        if (ctx.files().exists(data + "/seg/classes.txt")) {
            return;
        }
        DemoSettings d = ctx.config().demo();
        LOG.info("demo: generating {} pretraining + {} train + {} val {} images of {}x{} in {}", d.pretrainImages(),
                d.trainImages(), d.valImages(), d.style(), d.imageSize(), d.imageSize(), data);
        SyntheticScenes.Spec spec = new SyntheticScenes.Spec(d.imageSize(), d.pretrainImages(), d.trainImages(),
                d.valImages(), ctx.config().seed());
        long t0 = System.nanoTime();
        if (d.style().equals(DemoSettings.DEAD_LEAVES)) {
            DeadLeaves.write(ctx.files().conf(), data, spec);
        } else {
            SyntheticScenes.write(ctx.files().conf(), data, spec);
        }
        LOG.info("demo: data generated in {} s", String.format("%.1f", (System.nanoTime() - t0) / 1e9));
    }
}
