package org.ddep.stage;

import org.ddep.data.HadoopFiles;

import java.io.IOException;

/**
 * A run's directory on any Hadoop file system (DESIGN.md "Stages and the run directory"):
 * {@code config.conf}, one folder per stage with {@code _SUCCESS} written last, and {@code report/}.
 */
public record RunDir(String uri, HadoopFiles files) {
    public static final String SUCCESS = "_SUCCESS";

    public String path(String... parts) {
        return HadoopFiles.join(uri, parts);
    }

    public String stage(String name) {
        return path(name);
    }

    public boolean done(String stageDir) throws IOException {
        return files.exists(HadoopFiles.join(stageDir, SUCCESS));
    }

    public void markDone(String stageDir) throws IOException {
        files.writeString(HadoopFiles.join(stageDir, SUCCESS), "");
    }

    public String configFile() {
        return path("config.conf");
    }
}
