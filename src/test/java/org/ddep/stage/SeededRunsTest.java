package org.ddep.stage;

import org.ddep.config.DdepConfig;
import org.ddep.eval.Estimate;
import org.ddep.testing.TinyRun;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Seeds of a comparison without Spark: which runs exist, their folders, and how the report words them. */
class SeededRunsTest {
    @Test
    void theRunsOwnSeedKeepsItsFolderAndTheOthersNameTheirSeed() {
        DdepConfig c = TinyRun.config("sweep.seeds=3", "finetune.label-fractions=[0.1, 0.5]");
        assertEquals(List.of(42L, 1042L, 2042L), FinetuneRun.seeds(c));
        List<String> ids = FinetuneRun.all(c).stream().map(FinetuneRun::id).toList();
        assertEquals(List.of("ddep-f0.1", "random-decoder-f0.1", "ddep-f0.1-s1042", "random-decoder-f0.1-s1042",
                "ddep-f0.1-s2042", "random-decoder-f0.1-s2042", "ddep-f0.5", "random-decoder-f0.5", "ddep-f0.5-s1042",
                "random-decoder-f0.5-s1042", "ddep-f0.5-s2042", "random-decoder-f0.5-s2042"), ids);
        assertEquals("ddep-f0.1", FinetuneRun.of(c, "ddep", 0.1).id());
        assertEquals(List.of("ddep-f0.1"), FinetuneRun.all(TinyRun.config("finetune.label-fractions=[0.1]",
                "finetune.variants=[ddep]")).stream().map(FinetuneRun::id).toList(), "one seed: the folders of before");
    }

    @Test
    void everyVerdictIsWorded() {
        assertEquals("At label fraction 0.1, DDeP is **ahead** of the baseline: +0.0650 mIoU (95% CI +0.0445 to "
                + "+0.0855 over 4 paired seeds).", ReportSections.verdict("label fraction 0.1",
                Estimate.paired(new double[]{0.55, 0.60, 0.66, 0.58}, new double[]{0.50, 0.53, 0.60, 0.50})));
        assertTrue(ReportSections.verdict("x", Estimate.paired(new double[]{0.50, 0.53, 0.60, 0.50},
                new double[]{0.55, 0.60, 0.66, 0.58})).contains("DDeP is **behind** the baseline: -0.0650 mIoU"));
        assertTrue(ReportSections.verdict("x", Estimate.of(0.02, 0.04, 0.06 - 0.1)).contains("**not distinguishable** at 95%"));
        String one = ReportSections.verdict("x", Estimate.of(0.2));
        assertTrue(one.contains("**one seed only**") && one.contains("not a result") && !one.contains("ahead"), one);
    }

    @Test
    void theResultsTablePairsTheVariantsBySeed() {
        Map<Double, Map<String, Map<Long, Double>>> miou = new LinkedHashMap<>();
        Map<String, Map<Long, Double>> f = new LinkedHashMap<>();
        f.put("ddep", Map.of(42L, 0.62, 1042L, 0.72, 2042L, 0.52));
        // The baseline's seed 2042 is not evaluated: it has 2 seeds, and the difference pairs 2 seeds.
        f.put("random-decoder", Map.of(42L, 0.60, 1042L, 0.70));
        miou.put(0.1, f);
        StringBuilder md = new StringBuilder();
        ReportSections.results(miou, List.of(42L, 1042L, 2042L), md);
        String s = md.toString();
        assertTrue(s.contains("| ddep | 0.1 | 3 | 0.6200 | 0.1000 | [0.3716, 0.8684] |"), s);
        assertTrue(s.contains("| random-decoder | 0.1 | 2 | 0.6500 |"), s);
        assertTrue(s.contains("| DDeP - baseline (paired) | 0.1 | 2 | 0.0200 | 0.0000 |"), s);
    }
}
