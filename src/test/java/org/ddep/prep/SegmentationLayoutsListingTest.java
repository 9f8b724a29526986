package org.ddep.prep;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.ddep.testing.DatasetFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the segmentation layouts find on disk, without Spark: the driver-side half of prep. */
class SegmentationLayoutsListingTest {
    @TempDir
    java.nio.file.Path dir;

    private static FileSystem local() throws IOException {
        return FileSystem.getLocal(new Configuration());
    }

    private static DatasetLayout.Listing list(DatasetFixtures.Fixture f, List<String> splits) throws IOException {
        return Layouts.byName(f.layout()).list(local(), new Path(f.root().toString()), splits);
    }

    private static String local(String uri) {
        return new Path(uri).toUri().getPath();
    }

    @ParameterizedTest
    @ValueSource(strings = {"cityscapes", "ade20k", "pascal-context"})
    void listingIsSortedAndTheSameOnEveryRun(String layout) throws IOException {
        DatasetFixtures.Fixture f = DatasetFixtures.write(layout, dir);
        DatasetLayout.Listing a = list(f, f.splits());
        List<String> reversed = new ArrayList<>(f.splits());
        Collections.reverse(reversed);
        DatasetLayout.Listing b = list(f, reversed);
        List<String> ids = a.items().stream().map(SourceItem::id).toList();
        assertEquals(ids.stream().sorted().toList(), ids);
        assertEquals(a.skips().stream().sorted(Comparator.comparing(Skip::path)).toList(), a.skips());
        assertEquals(a.items(), b.items(), "the order splits are requested in must not matter");
        assertEquals(a.skips(), b.skips());
    }

    @Test
    void cityscapesIdsAreSplitCityAndStemWithoutTheLeftImg8bitSuffix() throws IOException {
        DatasetFixtures.Fixture f = DatasetFixtures.cityscapes(dir.resolve("cs"));
        DatasetLayout.Listing l = list(f, List.of("train"));
        SourceItem first = l.items().get(0);
        assertEquals("train/aachen/aachen_000000_000019", first.id());
        assertTrue(local(first.imagePath()).endsWith("leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png"));
        assertTrue(local(first.maskPath()).endsWith("gtFine/train/aachen/aachen_000000_000019_gtFine_labelIds.png"));
    }

    @Test
    void cityscapesTestImagesAreListedWithoutMasksEvenThoughGtFineHasPlaceholders() throws IOException {
        DatasetFixtures.Fixture f = DatasetFixtures.cityscapes(dir.resolve("cs"));
        DatasetLayout.Listing l = list(f, List.of("test"));
        assertEquals(2, l.items().size());
        l.items().forEach(i -> assertNull(i.maskPath(), i.id()));
        assertEquals(List.of("test"), l.layoutInfo().get("unlabelled_splits"));
    }

    @Test
    void cityscapesSkipsImagesThatAreNotLeftImg8bitFilesOrLieOutsideACityFolder() throws IOException {
        DatasetFixtures.Fixture f = DatasetFixtures.cityscapes(dir.resolve("cs"));
        DatasetFixtures.writeImage(f.root().resolve("leftImg8bit/val/frankfurt/preview.png"), 1);
        DatasetFixtures.writeImage(f.root().resolve("leftImg8bit/val/loose_leftImg8bit.png"), 2);
        Map<String, String> reasons = list(f, List.of("val")).skips().stream()
                .collect(Collectors.toMap(s -> local(s.path()), Skip::kind));
        assertEquals(Map.of(
                f.root().resolve("leftImg8bit/val/frankfurt/preview.png").toString(), "not a cityscapes image name",
                f.root().resolve("leftImg8bit/val/loose_leftImg8bit.png").toString(), "outside a city folder"), reasons);
    }

    @Test
    void ade20kAcceptsTheFolderNamesAsSplitsAndShardsThemAsTrainAndVal() throws IOException {
        DatasetFixtures.Fixture f = DatasetFixtures.ade20k(dir.resolve("ade"));
        DatasetLayout.Listing byFolder = list(f, List.of("training", "validation"));
        DatasetLayout.Listing byName = list(f, List.of("train", "val"));
        assertEquals(byName.items(), byFolder.items());
        assertEquals(Set.of("train", "val"), byFolder.items().stream().map(SourceItem::split).collect(Collectors.toSet()));
        assertEquals("val/ADE_val_00000001", byFolder.items().get(byFolder.items().size() - 2).id());
        assertEquals(List.of("train", "val"), byFolder.layoutInfo().get("splits"));
    }

    @Test
    void ade20kRejectsASplitItDoesNotHaveNamingTheKnownOnes() throws IOException {
        DatasetFixtures.Fixture f = DatasetFixtures.ade20k(dir.resolve("ade"));
        IOException e = assertThrows(IOException.class, () -> list(f, List.of("train", "test")));
        assertTrue(e.getMessage().contains("'test'") && e.getMessage().contains("images/training"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
            "cityscapes, leftImg8bit/nosuch",
            "ade20k, images/validation",
            "pascal-context, ImageSets/SegmentationContext/nosuch.txt"})
    void aRequestedSplitThatIsNotOnDiskFailsNamingWhereItWasExpected(String layout, String expected) throws IOException {
        DatasetFixtures.Fixture f = DatasetFixtures.write(layout, dir);
        if (layout.equals("ade20k")) {
            try (Stream<java.nio.file.Path> files = Files.walk(f.root().resolve("images/validation"))) {
                for (java.nio.file.Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        List<String> splits = layout.equals("ade20k") ? List.of("train", "val") : List.of("train", "nosuch");
        IOException e = assertThrows(IOException.class, () -> list(f, splits));
        assertTrue(e.getMessage().contains(f.root().resolve(expected).toString()), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"labels59, ImageSets/Segmentation", "SegmentationClass59, ImageSets/SegmentationContext"})
    void pascalContextReadsTheAlternativeFolderNamesAndSaysWhichItRead(String labelDir, String splitDir)
            throws IOException {
        DatasetFixtures.Fixture f = DatasetFixtures.pascalContext(dir.resolve("voc"), labelDir, splitDir);
        DatasetLayout.Listing l = list(f, List.of("train", "val"));
        List<String> ids = l.items().stream().map(SourceItem::id).toList();
        f.idsBySplit().values().forEach(valid -> assertTrue(ids.containsAll(valid), ids.toString()));
        l.items().forEach(i -> assertTrue(local(i.maskPath()).contains("/" + labelDir + "/"), i.maskPath()));
        assertEquals(labelDir, l.layoutInfo().get("label_folder"));
        assertEquals(Map.of("train", splitDir + "/train.txt", "val", splitDir + "/val.txt"),
                l.layoutInfo().get("split_lists"));
        assertTrue(((String) l.layoutInfo().get("layout")).contains(labelDir));
    }

    @Test
    void pascalContextPrefersSegmentationClassContextWhenSeveralLabelFoldersExist() throws IOException {
        DatasetFixtures.Fixture f = DatasetFixtures.pascalContext(dir.resolve("voc"), "SegmentationClassContext",
                "ImageSets/SegmentationContext");
        DatasetFixtures.writeMask(f.root().resolve("labels59/2008_000001.png"), 16, 32, 1, Map.of(), 0, 0, false);
        DatasetLayout.Listing l = list(f, List.of("train"));
        assertEquals("SegmentationClassContext", l.layoutInfo().get("label_folder"));
    }

    @Test
    void pascalContextWithoutALabelFolderFailsNamingTheFoldersItLookedFor() throws IOException {
        DatasetFixtures.Fixture f = DatasetFixtures.pascalContext(dir.resolve("voc"), "SomethingElse",
                "ImageSets/SegmentationContext");
        IOException e = assertThrows(IOException.class, () -> list(f, List.of("train")));
        for (String d : PascalContextLayout.LABEL_DIRS) {
            assertTrue(e.getMessage().contains(d), e.getMessage());
        }
    }

    @Test
    void pascalContextReadsOnlyTheStemsItsSplitListsName() throws IOException {
        DatasetFixtures.Fixture f = DatasetFixtures.pascalContext(dir.resolve("voc"), "SegmentationClassContext",
                "ImageSets/SegmentationContext");
        DatasetFixtures.write(f.root().resolve("ImageSets/SegmentationContext/val.txt"),
                " 2008_000011 \n2008_000010\n2008_000011\n".getBytes(StandardCharsets.UTF_8));
        List<String> ids = list(f, List.of("val")).items().stream().map(SourceItem::id).toList();
        assertEquals(List.of("val/2008_000010", "val/2008_000011"), ids, "padding stripped, duplicates read once");
    }
}
