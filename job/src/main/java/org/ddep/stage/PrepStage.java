package org.ddep.stage;

import org.ddep.config.DdepConfig;
import org.ddep.config.PrepSettings;
import org.ddep.prep.PrepJob;

/** Shards every configured source dataset into {@code <shards>/<name>/} (DESIGN.md "Shards"). */
public final class PrepStage implements Stage {
    @Override
    public String name() {
        return DdepConfig.PREP;
    }

    @Override
    public String description() {
        return "Shard the configured source datasets into Parquet.";
    }

    @Override
    public void run(StageContext ctx) throws Exception {
        PrepSettings p = ctx.config().prep();
        for (PrepSettings.Source s : p.sources()) {
            PrepJob.run(ctx.spark(), new PrepJob.Spec(s.layout(), s.name(), ctx.resolve(s.input()), ctx.shardsRoot(),
                    s.splits(), p.targetFileBytes(), p.maxSkipFraction(), s.resize(), s.pixels()));
        }
    }
}
