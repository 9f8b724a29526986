"""Runs an Airflow DAG file with stand-ins for the few Airflow classes it uses and prints what it
declared as JSON: the DAG, its tasks (with their SparkSubmitOperator arguments) and the edges.
Variables come from AIRFLOW_VAR_<NAME> environment variables, as in Airflow. Usage: inspect_dag.py DAG_FILE"""
import json
import os
import runpy
import sys
import types

declared = {"dags": [], "tasks": [], "edges": []}


class DAG:
    def __init__(self, dag_id, **kwargs):
        declared["dags"].append({"dag_id": dag_id, "schedule": kwargs.get("schedule"), "catchup": kwargs.get("catchup")})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class Variable:
    @staticmethod
    def get(key, default_var=None):
        return os.environ.get("AIRFLOW_VAR_" + key.upper(), default_var)


class SparkSubmitOperator:
    def __init__(self, task_id, **kwargs):
        if any(t["task_id"] == task_id for t in declared["tasks"]):
            raise ValueError("duplicate task_id " + task_id)
        self.task_id = task_id
        declared["tasks"].append(dict(task_id=task_id, **{k: v for k, v in kwargs.items()}))

    def __rshift__(self, other):
        for o in other if isinstance(other, list) else [other]:
            declared["edges"].append([self.task_id, o.task_id])
        return other

    def __lshift__(self, other):
        for o in other if isinstance(other, list) else [other]:
            declared["edges"].append([o.task_id, self.task_id])
        return other


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


module("airflow", DAG=DAG)
module("airflow.models", Variable=Variable)
module("airflow.providers")
module("airflow.providers.apache")
module("airflow.providers.apache.spark")
module("airflow.providers.apache.spark.operators")
module("airflow.providers.apache.spark.operators.spark_submit", SparkSubmitOperator=SparkSubmitOperator)

runpy.run_path(sys.argv[1], run_name="ddep_dag")
print(json.dumps(declared))
