package org.ddep.eval;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EstimateTest {
    /** Two-sided 95% critical values of Student's t, as printed in the usual tables. */
    @ParameterizedTest
    @CsvSource({"1, 12.706", "2, 4.303", "3, 3.182", "4, 2.776", "5, 2.571", "9, 2.262", "10, 2.228",
            "20, 2.086", "30, 2.042", "120, 1.980"})
    void tQuantileMatchesTheTable(int df, double table) {
        assertEquals(table, Estimate.tQuantile(0.975, df), 5e-4);
    }

    @Test
    void tQuantileApproachesTheNormalAndIsSymmetric() {
        assertEquals(1.95996, Estimate.tQuantile(0.975, 100_000), 1e-4);
        assertEquals(-Estimate.tQuantile(0.95, 7), Estimate.tQuantile(0.05, 7), 1e-9);
        assertEquals(1.895, Estimate.tQuantile(0.95, 7), 5e-4);
        assertThrows(IllegalArgumentException.class, () -> Estimate.tQuantile(0.975, 0));
    }

    @Test
    void threeSeedsGiveTheHandComputedMeanSdAndInterval() {
        // mean 0.6; sd sqrt((0.01 + 0 + 0.01) / 2) = 0.1; half-width t(0.975, 2) 0.1 / sqrt(3) = 4.302653 * 0.057735
        Estimate e = Estimate.of(0.5, 0.6, 0.7);
        assertEquals(3, e.n());
        assertEquals(0.6, e.mean(), 1e-12);
        assertEquals(0.1, e.sd(), 1e-12);
        assertEquals(0.6 - 0.248414, e.low(), 1e-6);
        assertEquals(0.6 + 0.248414, e.high(), 1e-6);
    }

    @Test
    void aPairedDifferenceWhoseIntervalExcludesZeroIsAhead() {
        // differences 0.05 0.07 0.06 0.08: mean 0.065, sd 0.0129099, half t(0.975, 3) sd / 2 = 0.0205424
        Estimate d = Estimate.paired(new double[]{0.55, 0.60, 0.66, 0.58}, new double[]{0.50, 0.53, 0.60, 0.50});
        assertEquals(4, d.n());
        assertEquals(0.065, d.mean(), 1e-12);
        assertEquals(0.0129099, d.sd(), 1e-7);
        assertEquals(0.0444576, d.low(), 1e-6);
        assertEquals(0.0855424, d.high(), 1e-6);
        assertEquals(Estimate.Verdict.AHEAD, d.verdict());
        assertEquals(Estimate.Verdict.BEHIND, Estimate.paired(new double[]{0.50, 0.53, 0.60, 0.50},
                new double[]{0.55, 0.60, 0.66, 0.58}).verdict());
    }

    @Test
    void pairingRemovesTheSeedToSeedSwingThatUnpairedIntervalsKeep() {
        // Baseline and DDeP swing together from seed to seed; DDeP is 0.02 ahead on every seed.
        double[] ddep = {0.62, 0.72, 0.52};
        double[] base = {0.60, 0.70, 0.50};
        assertTrue(Estimate.of(ddep).low() < Estimate.of(base).high(), "the unpaired intervals overlap");
        Estimate d = Estimate.paired(ddep, base);
        assertEquals(0.02, d.mean(), 1e-12);
        assertEquals(0, d.sd(), 1e-12);
        // Differences 0.02, 0.04, 0.06 (mean 0.04, sd 0.02): the interval [-0.0097, 0.0897] crosses zero.
        Estimate spread = Estimate.paired(new double[]{0.62, 0.74, 0.56}, base);
        assertEquals(0.04, spread.mean(), 1e-12);
        assertEquals(-0.009683, spread.low(), 1e-6);
        assertEquals(Estimate.Verdict.NOT_DISTINGUISHABLE, spread.verdict());
    }

    @Test
    void oneSeedHasAMeanButNoSpreadIntervalOrVerdict() {
        Estimate e = Estimate.paired(new double[]{0.7}, new double[]{0.5});
        assertEquals(1, e.n());
        assertEquals(0.2, e.mean(), 1e-12);
        assertTrue(Double.isNaN(e.sd()) && Double.isNaN(e.low()) && Double.isNaN(e.high()));
        assertEquals(Estimate.Verdict.SINGLE_SEED, e.verdict());
    }

    @Test
    void undefinedValuesAreLeftOutAndMismatchedPairsRefused() {
        Estimate e = Estimate.of(0.5, Double.NaN, 0.7);
        assertEquals(2, e.n());
        assertEquals(0.6, e.mean(), 1e-12);
        assertEquals(0, Estimate.of().n());
        assertThrows(IllegalArgumentException.class, () -> Estimate.paired(new double[]{1, 2}, new double[]{1}));
    }
}
