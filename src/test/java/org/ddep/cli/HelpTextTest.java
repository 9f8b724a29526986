package org.ddep.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command's --help renders as written: picocli treats descriptions as format strings, so a
 * bare {@code %} (as in "95% CI") makes it print a warning and show the raw text instead.
 */
class HelpTextTest {
    @Test
    void everyCommandsHelpFormatsWithoutPicocliWarnings() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<String> commands = new ArrayList<>();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            walk(Main.commandLine(), commands);
        } finally {
            System.setErr(err);
        }
        assertTrue(commands.size() > 10, "commands: " + commands);
        assertTrue(commands.contains("ddep sweep"), "commands: " + commands);
        assertEquals("", captured.toString(StandardCharsets.UTF_8), "picocli's warnings while formatting --help");
    }

    private static void walk(CommandLine cl, List<String> names) {
        String usage = cl.getUsageMessage();
        assertTrue(!usage.contains("%n"), cl.getCommandSpec().qualifiedName() + " shows an unformatted description");
        names.add(cl.getCommandSpec().qualifiedName());
        cl.getSubcommands().values().stream().distinct().forEach(sub -> walk(sub, names));
    }
}
