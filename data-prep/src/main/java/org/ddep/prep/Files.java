package org.ddep.prep;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** Listing helpers shared by the layouts: sorted, so every run sees inputs in the same order. */
final class Files {
    private Files() {
    }

    static boolean isImageName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    static boolean isHidden(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }

    static String stem(String name) {
        int i = name.lastIndexOf('.');
        return i < 0 ? name : name.substring(0, i);
    }

    static List<FileStatus> listSorted(FileSystem fs, Path dir) throws IOException {
        List<FileStatus> out = new ArrayList<>(Arrays.asList(fs.listStatus(dir)));
        out.removeIf(s -> isHidden(s.getPath().getName()));
        out.sort(Comparator.comparing(s -> s.getPath().getName()));
        return out;
    }

    static List<FileStatus> files(FileSystem fs, Path dir) throws IOException {
        List<FileStatus> out = listSorted(fs, dir);
        out.removeIf(FileStatus::isDirectory);
        return out;
    }

    static List<FileStatus> dirs(FileSystem fs, Path dir) throws IOException {
        List<FileStatus> out = listSorted(fs, dir);
        out.removeIf(s -> !s.isDirectory());
        return out;
    }
}
