package org.ddep.stage;

/** One step of the pipeline. It writes into its own folder of the run; the pipeline writes _SUCCESS after it. */
public interface Stage {
    String name();

    /** One line for the CLI's help. */
    String description();

    void run(StageContext ctx) throws Exception;
}
