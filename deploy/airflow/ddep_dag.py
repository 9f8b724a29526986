"""ddep as an Airflow DAG: one task per stage, one fine-tune and one evaluate task per label fraction.

prep -> pretrain-encoder -> pretrain-decoder -> finetune[f] -> evaluate[f] -> report

Every task is `spark-submit --class org.ddep.cli.Main CLUSTER_JAR <stage> --config ... --run-dir ...`
through SparkSubmitOperator (apache-airflow-providers-apache-spark). Re-running or retrying a task is
safe: a stage with _SUCCESS in the run directory is skipped, an interrupted one resumes from its last
checkpoint, and the run directory pins the config, so a task can never mix two runs.

Set in Airflow Variables (or edit the defaults below):
  ddep_run_dir        run directory, e.g. s3a://bucket/runs/exp1
  ddep_config         the ddep config file as the driver sees it (YARN cluster mode: shipped by --files)
  ddep_jar            the cluster jar (build: mvn -B -Pgpu -DskipTests package)
  ddep_label_fractions  comma-separated, the same as finetune.label-fractions in the config
  ddep_executors      executors = GPUs
The Spark connection `spark_ddep` names the master (yarn, or k8s://https://...) and deploy mode.
"""
import os
from datetime import datetime

from airflow import DAG
from airflow.models import Variable
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

MAIN_CLASS = "org.ddep.cli.Main"
CONN_ID = "spark_ddep"

RUN_DIR = Variable.get("ddep_run_dir", default_var="s3a://ddep/runs/default")
CONFIG = Variable.get("ddep_config", default_var="ddep.conf")
JAR = Variable.get("ddep_jar", default_var="/opt/ddep/ddep-cluster.jar")
LABEL_FRACTIONS = [f.strip() for f in Variable.get("ddep_label_fractions", default_var="0.1").split(",") if f.strip()]
EXECUTORS = int(Variable.get("ddep_executors", default_var="8"))
HERE = os.path.dirname(os.path.abspath(__file__))
# conf/jvm-options: copied next to this file in the dags folder, or read from the repository.
JVM_OPTIONS_FILES = [os.path.join(HERE, "jvm-options"), os.path.join(HERE, "..", "..", "conf", "jvm-options")]


def jvm_options(gpu=True):
    """conf/jvm-options as one line; GPU executors drop the CPU-only oneDNN selector (as deploy/common.sh)."""
    found = [p for p in JVM_OPTIONS_FILES if os.path.isfile(p)]
    if not found:
        raise FileNotFoundError("ddep DAG: no jvm-options file; copy conf/jvm-options next to ddep_dag.py "
                                "(looked in %s)" % ", ".join(JVM_OPTIONS_FILES))
    with open(found[0]) as f:
        lines = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    if gpu:
        lines = [l for l in lines if "platform.extension=-onednn" not in l]
    return " ".join(lines)


# The same settings deploy/common.sh gives spark-submit: one executor per GPU, ND4J's off-heap cap
# inside the memory overhead, Kryo with ND4J's registrator.
SPARK_CONF = {
    "spark.driver.extraJavaOptions": jvm_options(),
    "spark.executor.extraJavaOptions": jvm_options()
    + " -XX:+UseTransparentHugePages -Dorg.bytedeco.javacpp.maxbytes=16G -Dorg.bytedeco.javacpp.maxphysicalbytes=25G",
    "spark.executor.memoryOverhead": "18g",
    "spark.executor.instances": str(EXECUTORS),
    "spark.executor.cores": "4",
    "spark.task.cpus": "4",
    "spark.executor.resource.gpu.amount": "1",
    "spark.task.resource.gpu.amount": "1",
    "spark.serializer": "org.apache.spark.serializer.KryoSerializer",
    "spark.kryo.registrator": "org.nd4j.kryo.Nd4jRegistrator,org.ddep.stage.DdepKryoRegistrator",
    "spark.task.maxFailures": "8",
    "spark.dynamicAllocation.enabled": "false",
}


def stage_task(stage, extra=(), task_id=None):
    return SparkSubmitOperator(
        task_id=task_id or stage,
        conn_id=CONN_ID,
        application=JAR,
        java_class=MAIN_CLASS,
        name="ddep-" + (task_id or stage),
        conf=SPARK_CONF,
        executor_memory="8g",
        driver_memory="8g",
        application_args=[stage, "--config", CONFIG, "--run-dir", RUN_DIR, *extra],
        retries=2,
    )


with DAG(
    dag_id="ddep",
    description="Decoder Denoising Pretraining: prep, encoder, decoder, fine-tune and evaluate per label fraction, report",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    catchup=False,
    max_active_tasks=2,
    tags=["ddep", "spark"],
) as dag:
    prep = stage_task("prep")
    encoder = stage_task("pretrain-encoder")
    decoder = stage_task("pretrain-decoder")
    report = stage_task("report")
    prep >> encoder >> decoder
    for fraction in LABEL_FRACTIONS:
        suffix = fraction.replace(".", "_")
        finetune = stage_task("finetune", ["--label-fraction", fraction], task_id="finetune_f" + suffix)
        evaluate = stage_task("evaluate", ["--label-fraction", fraction], task_id="evaluate_f" + suffix)
        decoder >> finetune >> evaluate >> report
