package org.ddep.layout;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN.md "Layout": data-prep never uses job (job reads the shard schema from data-prep), so the
 * prep job can ship and run without the training code.
 */
class ModuleBoundaryTest {
    private static final Pattern REF = Pattern.compile("\\borg\\.ddep\\.([a-z]+)\\b");

    @Test
    void dataPrepReferencesNoJobPackage() throws IOException {
        Path root = Path.of(System.getProperty("ddep.sources", "."), "data-prep", "src", "main", "java");
        assertTrue(Files.isDirectory(root), "no sources at " + root);
        List<String> violations = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = REF.matcher(lines.get(i));
                    while (m.find()) {
                        if (!m.group(1).equals("prep")) {
                            violations.add(root.relativize(f) + ":" + (i + 1) + " uses org.ddep." + m.group(1));
                        }
                    }
                }
            }
        }
        assertTrue(files > 5, "expected the prep sources, found " + files + " files");
        assertEquals(List.of(), violations);
    }
}
