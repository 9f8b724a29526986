package org.ddep.report;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.axis.TickType;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * A line chart for the report (JFreeChart): series with optional error bars, a legend, axes with ticks at
 * round values; on a log x axis at 1, 2 and 5 times the powers of ten (0.01, 0.02, 0.05, 0.1 ... 1).
 */
public final class LinePlot {
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};
    /** Above this many points a series is drawn as a line without markers (loss curves). */
    private static final int MARKERS_UP_TO = 30;
    /** How far apart (in decades of a log x axis) the error bars of neighbouring series are drawn. */
    private static final double DODGE = 0.012;
    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logX;
    private final List<Series> series = new ArrayList<>();
    private String note = "";
    private List<Double> xTicks = List.of();

    /** One line: y over x, and an interval [low, high] per point where known (NaN: no bar). */
    public record Series(String name, double[] x, double[] y, double[] low, double[] high) {
    }

    public LinePlot(String title, String xLabel, String yLabel, boolean logX) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logX = logX;
    }

    public LinePlot add(String name, double[] x, double[] y) {
        double[] none = new double[x.length];
        java.util.Arrays.fill(none, Double.NaN);
        return add(name, x, y, none, none);
    }

    /** A series with an error bar from {@code low[i]} to {@code high[i]} at each point. */
    public LinePlot add(String name, double[] x, double[] y, double[] low, double[] high) {
        if (y.length != x.length || low.length != x.length || high.length != x.length) {
            throw new IllegalArgumentException(name + ": x, y, low and high differ in length");
        }
        series.add(new Series(name, x, y, low, high));
        return this;
    }

    /** A line under the title (what the bars are, how many seeds). */
    public LinePlot note(String text) {
        this.note = text;
        return this;
    }

    /** Ticks of a log x axis at these values (averaging frequencies 1, 4, 16) instead of at 1, 2, 5 x 10^k. */
    public LinePlot xTicks(List<Double> values) {
        this.xTicks = List.copyOf(values);
        return this;
    }

    public List<Series> series() {
        return List.copyOf(series);
    }

    public BufferedImage render(int width, int height) {
        return chart().createBufferedImage(width, height);
    }

    JFreeChart chart() {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        boolean bars = series.stream().anyMatch(LinePlot::hasBars);
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            // Error bars of series at the same x are set slightly apart (on a log axis) so that none hides another.
            double dodge = bars && logX ? Math.pow(10, DODGE * (k - (series.size() - 1) / 2.0)) : 1;
            YIntervalSeries out = new YIntervalSeries(s.name(), false, true);
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.y()[i]) || (logX && !(s.x()[i] > 0))) {
                    continue;
                }
                boolean bar = Double.isFinite(s.low()[i]) && Double.isFinite(s.high()[i]);
                out.add(s.x()[i] * dodge, s.y()[i], bar ? s.low()[i] : s.y()[i], bar ? s.high()[i] : s.y()[i]);
            }
            data.addSeries(out);
        }
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
        if (bars) {
            XYErrorRenderer errors = new XYErrorRenderer();
            errors.setDrawXError(false);
            errors.setDefaultLinesVisible(true);
            errors.setCapLength(6);
            errors.setErrorStroke(new BasicStroke(1.5f));
            renderer = errors;
        }
        for (int i = 0; i < series.size(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesShapesVisible(i, series.get(i).x().length <= MARKERS_UP_TO);
        }
        NumberAxis y = new NumberAxis(yLabel);
        y.setAutoRangeIncludesZero(false);
        boolean whole = series.stream().allMatch(s -> java.util.Arrays.stream(s.x()).allMatch(v -> v == Math.rint(v)));
        XYPlot plot = new XYPlot(data, logX ? new RoundLogAxis(xLabel, xTicks) : linear(xLabel, whole), y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, series.size() > 0);
        if (!note.isEmpty()) {
            chart.addSubtitle(new TextTitle(note, new Font(Font.SANS_SERIF, Font.PLAIN, 11)));
        }
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static boolean hasBars(Series s) {
        for (int i = 0; i < s.x().length; i++) {
            if (Double.isFinite(s.low()[i]) && Double.isFinite(s.high()[i])) {
                return true;
            }
        }
        return false;
    }

    private static ValueAxis linear(String label, boolean whole) {
        NumberAxis x = new NumberAxis(label);
        x.setAutoRangeIncludesZero(false);
        if (whole) {
            x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());   // iterations: no tick at 2.5
        }
        return x;
    }

    /** The round values 1, 2 and 5 times a power of ten from {@code lower} to {@code upper}. */
    static List<Double> roundLogTicks(double lower, double upper) {
        List<Double> out = new ArrayList<>();
        for (int e = (int) Math.floor(Math.log10(lower)); e <= (int) Math.ceil(Math.log10(upper)); e++) {
            for (int m : new int[]{1, 2, 5}) {
                double v = new BigDecimal(m).scaleByPowerOfTen(e).doubleValue();
                if (v >= lower * (1 - 1e-9) && v <= upper * (1 + 1e-9)) {
                    out.add(v);
                }
            }
        }
        return out;
    }

    /** Labels a value as written by hand: 0.05, 0.1, 1, 20. */
    static String label(double v) {
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

    /** A base-10 log axis whose ticks are {@link #roundLogTicks} (or given values) rather than powers of ten only. */
    private static final class RoundLogAxis extends LogAxis {
        private final List<Double> fixed;

        RoundLogAxis(String label, List<Double> fixed) {
            super(label);
            this.fixed = fixed;
            setTickMarksVisible(true);
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        protected List refreshTicksHorizontal(Graphics2D g2, Rectangle2D dataArea, RectangleEdge edge) {
            List<Double> at = fixed.isEmpty() ? roundLogTicks(getLowerBound(), getUpperBound())
                    : fixed.stream().filter(v -> getRange().contains(v)).toList();
            if (at.size() < 2 && fixed.isEmpty()) {
                return super.refreshTicksHorizontal(g2, dataArea, edge);   // a range inside one 1-2-5 step
            }
            TextAnchor anchor = edge == RectangleEdge.TOP ? TextAnchor.BOTTOM_CENTER : TextAnchor.TOP_CENTER;
            List ticks = new ArrayList();
            for (double v : at) {
                ticks.add(new NumberTick(TickType.MAJOR, v, label(v), anchor, TextAnchor.CENTER, 0.0));
            }
            return ticks;
        }
    }
}
