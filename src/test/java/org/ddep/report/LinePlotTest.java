package org.ddep.report;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.Tick;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinePlotTest {
    static final double[] FRACTIONS = {0.01, 0.02, 0.05, 0.1, 1.0};

    @Test
    void roundLogTicksAreOneTwoFiveTimesPowersOfTen() {
        assertEquals(List.of(0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0), LinePlot.roundLogTicks(0.008, 1.2));
        assertEquals(List.of(0.05, 0.1, 0.2, 0.5), LinePlot.roundLogTicks(0.05, 0.8));
        assertEquals(List.of(), LinePlot.roundLogTicks(0.3, 0.4));
        assertEquals("0.02", LinePlot.label(0.02));
        assertEquals("1", LinePlot.label(1.0));
    }

    @Test
    void aLogAxisIsLabelledAtRoundValuesNotAtTheData() {
        LinePlot p = new LinePlot("label efficiency", "fraction", "mIoU", true)
                .add("DDeP", FRACTIONS, new double[]{0.41, 0.47, 0.53, 0.58, 0.66},
                        new double[]{0.37, 0.44, 0.50, 0.56, 0.65}, new double[]{0.45, 0.50, 0.56, 0.60, 0.67});
        JFreeChart chart = p.chart();
        BufferedImage img = new BufferedImage(720, 420, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        chart.draw(g, new Rectangle2D.Double(0, 0, 720, 420));
        XYPlot plot = chart.getXYPlot();
        LogAxis x = assertInstanceOf(LogAxis.class, plot.getDomainAxis());
        List<?> ticks = x.refreshTicks(g, new AxisState(), new Rectangle2D.Double(60, 40, 640, 300), RectangleEdge.BOTTOM);
        assertEquals(List.of("0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1"),
                ticks.stream().map(t -> ((Tick) t).getText()).toList());
        chart = new LinePlot("averaging", "frequency", "mIoU", true).add("DDeP", new double[]{1, 4, 16},
                new double[]{0.5, 0.5, 0.4}).xTicks(List.of(1.0, 4.0, 16.0, 64.0)).chart();
        chart.draw(g, new Rectangle2D.Double(0, 0, 720, 420));
        ticks = chart.getXYPlot().getDomainAxis().refreshTicks(g, new AxisState(), new Rectangle2D.Double(60, 40, 640, 300),
                RectangleEdge.BOTTOM);
        assertEquals(List.of("1", "4", "16"), ticks.stream().map(t -> ((Tick) t).getText()).toList(), "given ticks win, where in range");
        g.dispose();
    }

    @Test
    void errorBarsSpanTheIntervalAndUndefinedOnesCollapseToThePoint() {
        LinePlot p = new LinePlot("t", "x", "y", true)
                .add("a", new double[]{0.1, 1}, new double[]{0.5, 0.6}, new double[]{0.4, Double.NaN},
                        new double[]{0.7, Double.NaN})
                .add("loss", new double[]{0.1, 1}, new double[]{Double.NaN, 0.2});
        YIntervalSeriesCollection data = (YIntervalSeriesCollection) p.chart().getXYPlot().getDataset();
        assertEquals(0.4, data.getStartYValue(0, 0), 1e-12);
        // Two series with bars on a log axis: drawn 0.006 decades (1.4%) either side of their x, so no bar hides another.
        assertEquals(0.1 * Math.pow(10, -0.006), data.getXValue(0, 0), 1e-12);
        assertEquals(Math.pow(10, 0.006), data.getXValue(1, 0), 1e-12);
        assertEquals(0.7, data.getEndYValue(0, 0), 1e-12);
        assertEquals(0.6, data.getStartYValue(0, 1), 1e-12);
        assertEquals(1, data.getItemCount(1), "a non-finite y is left out");
        assertTrue(p.chart().getLegend() != null);
        assertInstanceOf(XYErrorRenderer.class, p.chart().getXYPlot().getRenderer());
        LinePlot curves = new LinePlot("loss", "iteration", "loss", false).add("a", new double[]{1, 2}, new double[]{1, 0.5});
        assertTrue(!(curves.chart().getXYPlot().getRenderer() instanceof XYErrorRenderer), "no intervals, no bars");
    }

    @Test
    void rendersAHeadlessPngWithBothSeriesColours() {
        BufferedImage img = new LinePlot("t", "x", "y", false)
                .add("a", new double[]{1, 2, 3}, new double[]{1, 2, 3})
                .add("b", new double[]{1, 2, 3}, new double[]{3, 2, 1}).note("mean of 3 seeds").render(400, 300);
        assertEquals(400, img.getWidth());
        boolean blue = false;
        boolean orange = false;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                blue |= rgb == new Color(0x1f77b4).getRGB() - 0xff000000;
                orange |= rgb == new Color(0xff7f0e).getRGB() - 0xff000000;
            }
        }
        assertTrue(blue && orange);
    }
}
