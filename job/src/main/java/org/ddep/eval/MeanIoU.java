package org.ddep.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Segmentation metrics from a confusion matrix: per-class IoU = TP / (TP + FP + FN), the mean over
 * classes whose union is non-zero (classes absent from both truth and prediction are excluded, as
 * mmsegmentation does), and pixel accuracy.
 */
public record MeanIoU(double miou, List<Double> perClassIou, double pixelAccuracy, long images, long pixels) {

    public static MeanIoU of(ConfusionMatrix m) {
        int c = m.classes();
        List<Double> iou = new ArrayList<>();
        double sum = 0;
        int present = 0;
        long correct = 0;
        for (int k = 0; k < c; k++) {
            long tp = m.count(k, k);
            long fp = 0;
            long fn = 0;
            for (int j = 0; j < c; j++) {
                if (j != k) {
                    fp += m.count(j, k);
                    fn += m.count(k, j);
                }
            }
            long union = tp + fp + fn;
            double v = union == 0 ? Double.NaN : tp / (double) union;
            iou.add(v);
            if (union > 0) {
                sum += v;
                present++;
            }
            correct += tp;
        }
        long pixels = m.pixels();
        return new MeanIoU(present == 0 ? Double.NaN : sum / present, List.copyOf(iou),
                pixels == 0 ? Double.NaN : correct / (double) pixels, m.images(), pixels);
    }
}
