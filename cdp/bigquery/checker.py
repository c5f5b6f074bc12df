"""Check every compiled statement of the project with ZetaSQL, BigQuery's SQL front end.

Order of work, over the manifest of the `first_run` compile:

1. Sources and seeds go into a catalog (`project`.`dataset`.`table`), with column types
   from the YAML `data_type`s, the raw data contract, or the seed CSVs.
2. Models in DAG order: each compiled select is analysed (syntax, names, types) and its
   output columns become the model's table for the models downstream. A model that
   fails still gets a table (from its YAML or the DuckDB build, when given) so that
   one mistake does not hide the rest.
3. The physical statement dbt-bigquery would send: `create or replace table ...
   partition by ... cluster by ... options(...) as (...)`, so partition and cluster
   columns are resolved too; for incremental models the `merge` of their strategy.
4. Enforced contracts: every declared `data_type` must be a BigQuery type and match
   the type the query produces.
5. The `incremental` compile: the incremental branch of each incremental model (with
   the side tables its pre-hooks write, declared in `meta.side_tables`).
6. Data tests and analyses: analysed against the finished catalog.
7. Python models: the compiled script must be valid Python (it runs on BigQuery's
   Python runtime, which the offline check cannot reach).
"""

from __future__ import annotations

import ast
import csv
import graphlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from dbt.adapters.bigquery.relation_configs import PartitionConfig

from cdp.bigquery.types import CONTRACT_TYPES, duckdb_to_bigquery
from cdp.bigquery.zetasql_engine import Column, ZetaSQL, ZetaSQLError, add_table

ERROR = "error"
WARNING = "warning"

_LOCATION = re.compile(r"\[at (\d+):(\d+)\]")
_DBT_MAX_PARTITION = re.compile(r"\b_dbt_max_partition\b", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One problem, with where to look."""

    severity: str
    node_id: str
    file: str
    phase: str
    message: str
    sql_line: str = ""

    def render(self) -> str:
        where = f"{self.file} [{self.phase}]"
        text = f"{self.severity.upper()}: {where}: {self.message}"
        if self.sql_line:
            text += f"\n    compiled line: {self.sql_line}"
        return text


@dataclass
class CheckStats:
    analysed: int = 0
    parsed_only: int = 0
    python_models: int = 0
    ddl_statements: int = 0
    merge_statements: int = 0
    contracts: int = 0
    phases: dict[str, int] = field(default_factory=dict)

    def count(self, phase: str) -> None:
        self.phases[phase] = self.phases.get(phase, 0) + 1


def _relation_path(node: dict[str, Any]) -> list[str]:
    identifier = node.get("alias") or node.get("identifier") or node["name"]
    return [str(node["database"]), str(node["schema"]), str(identifier)]


def _offending_line(sql: str, message: str) -> str:
    match = _LOCATION.search(message)
    if not match:
        return ""
    lines = sql.splitlines()
    index = int(match.group(1)) - 1
    return lines[index].strip()[:200] if 0 <= index < len(lines) else ""


def parse_contract_markdown(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    """The raw data contract's tables: (source, table) -> {column: BigQuery type}."""
    tables: dict[tuple[str, str], dict[str, str]] = {}
    current: dict[str, str] | None = None
    heading = re.compile(r"^##\s+(\w+)\.(\w+)\b")
    for line in path.read_text().splitlines():
        found = heading.match(line)
        if found:
            current = tables.setdefault((found.group(1), found.group(2)), {})
            continue
        if line.startswith("#"):
            current = None
            continue
        if current is None or not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 2 or cells[0] in ("column", "") or set(cells[0]) <= {"-"}:
            continue
        type_word = cells[1].split(",")[0].split("(")[0].strip().lower()
        bq_type = CONTRACT_TYPES.get(type_word)
        if bq_type is None:
            continue
        for name in cells[0].split(","):
            current[name.strip().strip("`")] = bq_type
    return tables


def infer_seed_types(csv_path: Path, column_types: dict[str, str]) -> list[tuple[str, str]]:
    """Seed columns as dbt-bigquery loads them (agate inference, then `column_types`)."""
    with csv_path.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    result = []
    for index, name in enumerate(header):
        if name in column_types:
            result.append((name, column_types[name]))
            continue
        values = [row[index] for row in rows if index < len(row) and row[index] != ""]
        result.append((name, _infer_csv_type(values)))
    return result


def _infer_csv_type(values: list[str]) -> str:
    if not values:
        return "STRING"
    lowered = {value.strip().lower() for value in values}
    if lowered <= {"true", "false"}:
        return "BOOL"
    if all(re.fullmatch(r"-?\d+", value.strip()) for value in values):
        return "INT64"
    if all(re.fullmatch(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", value.strip()) for value in values):
        return "FLOAT64"
    if all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()) for value in values):
        return "DATE"
    if all(re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?", v) for v in values):
        return "DATETIME"
    return "STRING"


class ProjectChecker:
    """Runs the whole ZetaSQL check over one compiled manifest (and its incremental twin)."""

    def __init__(
        self,
        engine: ZetaSQL,
        project_dir: Path,
        manifest: dict[str, Any],
        incremental_manifest: dict[str, Any] | None = None,
        duckdb_path: Path | None = None,
    ) -> None:
        self.engine = engine
        self.project_dir = project_dir
        self.manifest = manifest
        self.incremental_manifest = incremental_manifest
        self.catalog = engine.new_catalog()
        self.findings: list[Finding] = []
        self.stats = CheckStats()
        self.known_schema: dict[str, list[Column]] = {}
        self._type_cache: dict[str, Any] = {}
        self._duckdb_columns = self._read_duckdb(duckdb_path) if duckdb_path else {}

    # -- helpers ---------------------------------------------------------------

    def _add(
        self, severity: str, node: dict[str, Any], phase: str, message: str, sql: str = ""
    ) -> None:
        self.findings.append(
            Finding(
                severity=severity,
                node_id=node.get("unique_id", "?"),
                file=node.get("original_file_path", "?"),
                phase=phase,
                message=message,
                sql_line=_offending_line(sql, message) if sql else "",
            )
        )

    def bigquery_type(self, type_text: str) -> Any:
        """A BigQuery type name as a ZetaSQL TypeProto; ZetaSQLError if there is no such type."""
        key = type_text.strip().lower()
        if key not in self._type_cache:
            columns = self.engine.analyze(f"select cast(null as {type_text}) as c", self.catalog)
            assert columns is not None
            self._type_cache[key] = columns[0].type
        return self._type_cache[key]

    def _columns_from_types(self, pairs: Iterable[tuple[str, str]]) -> list[Column]:
        columns = []
        for name, type_text in pairs:
            try:
                columns.append(Column(name, self.bigquery_type(type_text)))
            except ZetaSQLError:
                columns.append(Column(name, self.bigquery_type("STRING")))
        return columns

    @staticmethod
    def _read_duckdb(path: Path) -> dict[tuple[str, str], list[tuple[str, str]]]:
        if not path.is_file():
            return {}
        result: dict[tuple[str, str], list[tuple[str, str]]] = {}
        with duckdb.connect(str(path), read_only=True) as con:
            rows = con.sql(
                "select table_schema, table_name, column_name, data_type "
                "from information_schema.columns "
                "order by table_schema, table_name, ordinal_position"
            ).fetchall()
        for schema, table, column, data_type in rows:
            result.setdefault((schema.lower(), table.lower()), []).append((column, data_type))
        return result

    def _yaml_columns(self, node: dict[str, Any]) -> list[tuple[str, str]] | None:
        columns = node.get("columns") or {}
        pairs = [(name, spec.get("data_type")) for name, spec in columns.items()]
        if pairs and all(data_type for _, data_type in pairs):
            return [(name, str(data_type)) for name, data_type in pairs]
        return None

    def _fallback_schema(self, node: dict[str, Any]) -> list[Column] | None:
        """A node's columns when its SQL could not give them: YAML types, then the DuckDB build."""
        yaml_pairs = self._yaml_columns(node)
        if yaml_pairs:
            return self._columns_from_types(yaml_pairs)
        duck = self._duckdb_columns.get(
            (str(node["schema"]).lower(), _relation_path(node)[2].lower())
        )
        if duck:
            pairs = [(name, duckdb_to_bigquery(data_type) or "STRING") for name, data_type in duck]
            return self._columns_from_types(pairs)
        return None

    def _register(self, node: dict[str, Any], columns: list[Column]) -> None:
        self.known_schema[node["unique_id"]] = columns
        add_table(self.catalog, _relation_path(node), columns)

    def _analyse(self, node: dict[str, Any], sql: str, phase: str) -> list[Column] | None:
        """Analyse one statement; on failure record it and return None."""
        self.stats.count(phase)
        # dbt-bigquery declares `_dbt_max_partition` (a script variable of the
        # partition's type) before an incremental statement; stand in a typed null.
        partition = node.get("config", {}).get("partition_by") or {}
        partition_type = (
            str(partition.get("data_type") or "date") if isinstance(partition, dict) else "date"
        )
        sql = _DBT_MAX_PARTITION.sub(f"cast(null as {partition_type})", sql)
        missing = [
            parent
            for parent in node.get("depends_on", {}).get("nodes", [])
            if parent.startswith(("model.", "seed.", "snapshot.", "source."))
            and parent not in self.known_schema
            and self._node(parent).get("config", {}).get("materialized") != "ephemeral"
        ]
        if missing:
            # A parent has no known columns: check the syntax only, say so.
            try:
                self.engine.parse(sql)
                self.stats.parsed_only += 1
                self._add(
                    WARNING,
                    node,
                    phase,
                    "syntax checked only; no column types known for "
                    + ", ".join(sorted(missing))
                    + " (declare data_type in its YAML or pass --duckdb)",
                )
            except ZetaSQLError as error:
                self._add(ERROR, node, phase, str(error), sql)
            return None
        try:
            columns = self.engine.analyze(sql, self.catalog)
            self.stats.analysed += 1
            return columns
        except ZetaSQLError as error:
            self._add(ERROR, node, phase, str(error), sql)
            return None

    def _node(self, unique_id: str) -> dict[str, Any]:
        return (
            self.manifest["nodes"].get(unique_id) or self.manifest["sources"].get(unique_id) or {}
        )

    # -- catalog sources -------------------------------------------------------

    def register_sources(self) -> None:
        contract_path = self.project_dir / "docs" / "data_contract.md"
        contract = parse_contract_markdown(contract_path) if contract_path.is_file() else {}
        for source in self.manifest.get("sources", {}).values():
            pairs = self._yaml_columns(source)
            if pairs is None:
                documented = contract.get((source["source_name"], source["name"])) or contract.get(
                    (str(source["schema"]), str(source["identifier"]))
                )
                if documented:
                    pairs = list(documented.items())
            if not pairs:
                self._add(
                    WARNING,
                    source,
                    "catalog",
                    "no column types for this source (no YAML data_type, not in "
                    "docs/data_contract.md): models reading it get a syntax check only",
                )
                continue
            self._register(source, self._columns_from_types(pairs))

    def register_seeds(self) -> None:
        for node in self.manifest["nodes"].values():
            if node["resource_type"] != "seed":
                continue
            csv_path = Path(node["root_path"]) / node["original_file_path"]
            column_types = {
                name: str(value)
                for name, value in (node["config"].get("column_types") or {}).items()
            }
            bad = []
            for name, type_text in column_types.items():
                try:
                    self.bigquery_type(type_text)
                except ZetaSQLError:
                    bad.append(f"{name}: {type_text}")
            if bad:
                self._add(
                    ERROR,
                    node,
                    "seed",
                    "column_types that BigQuery does not know: " + ", ".join(bad),
                )
            self._register(node, self._columns_from_types(infer_seed_types(csv_path, column_types)))

    # -- models ----------------------------------------------------------------

    def _dag_levels(self) -> list[list[str]]:
        """Models grouped by depth: a level reads only sources, seeds and earlier levels.

        Analysing a whole level against one catalog keeps catalog registrations in
        the ZetaSQL module to two per level.
        """
        nodes = self.manifest["nodes"]
        graph: dict[str, set[str]] = {}
        for unique_id, node in nodes.items():
            if node["resource_type"] != "model":
                continue
            graph[unique_id] = {parent for parent in node["depends_on"]["nodes"] if parent in nodes}
        depth: dict[str, int] = {}
        for unique_id in graphlib.TopologicalSorter(graph).static_order():
            if unique_id not in graph:
                continue
            parents = [depth[p] for p in graph[unique_id] if p in depth]
            depth[unique_id] = 1 + max(parents, default=-1)
        levels: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
        for unique_id, level in depth.items():
            levels[level].append(unique_id)
        return [sorted(level) for level in levels]

    def check_models(self) -> None:
        for level in self._dag_levels():
            analysed: list[tuple[dict[str, Any], str, list[Column]]] = []
            for unique_id in level:
                node = self.manifest["nodes"][unique_id]
                if node.get("language") == "python":
                    self._check_python(node)
                    continue
                sql = node.get("compiled_code") or ""
                columns = self._analyse(node, sql, "model")
                if columns is not None:
                    analysed.append((node, sql, columns))
                    registered = columns
                else:
                    registered = self._fallback_schema(node)
                if registered is not None and node["config"].get("materialized") != "ephemeral":
                    self._register(node, registered)
            for node, sql, columns in analysed:
                materialized = node["config"].get("materialized")
                self._check_contract(node, columns)
                if materialized in ("table", "incremental"):
                    self._check_create_table(node, sql)
                if materialized == "incremental":
                    self._check_merge(node, columns)

    def _check_python(self, node: dict[str, Any]) -> None:
        self.stats.python_models += 1
        self.stats.count("python")
        code = node.get("compiled_code") or ""
        try:
            ast.parse(code, filename=node["original_file_path"])
        except SyntaxError as error:
            self._add(ERROR, node, "python", f"compiled Python does not parse: {error}")
        columns = self._fallback_schema(node)
        if columns is None:
            self._add(
                WARNING,
                node,
                "python",
                "output columns unknown (no YAML data_type, no DuckDB build given): "
                "models reading it get a syntax check only",
            )
        else:
            self._register(node, columns)

    def _check_create_table(self, node: dict[str, Any], sql: str) -> None:
        """The CREATE TABLE dbt-bigquery sends, with partitioning, clustering and options."""
        config = node["config"]
        raw_partition = config.get("partition_by")
        cluster = config.get("cluster_by")
        options = []
        if config.get("require_partition_filter"):
            options.append("require_partition_filter=true")
        if config.get("partition_expiration_days") is not None:
            options.append(f"partition_expiration_days={int(config['partition_expiration_days'])}")
        if raw_partition is None and cluster is None and not options:
            return
        clauses = []
        if raw_partition is not None:
            try:
                partition = PartitionConfig.parse(raw_partition)
            except Exception as error:  # dbt raises its own error types here
                self._add(
                    ERROR, node, "ddl", f"partition_by is not valid for dbt-bigquery: {error}"
                )
                return
            if partition is not None:
                clauses.append(_partition_clause(partition))
        if cluster is not None:
            columns = [cluster] if isinstance(cluster, str) else list(cluster)
            if len(columns) > 4:
                self._add(ERROR, node, "ddl", "BigQuery clusters on at most 4 columns")
            clauses.append("cluster by " + ", ".join(columns))
        relation = ".".join(f"`{part}`" for part in _relation_path(node))
        ddl = (
            f"create or replace table {relation}\n"
            + "\n".join(clauses)
            + (f"\noptions({', '.join(options)})" if options else "")
            + f"\nas (\n{sql}\n)"
        )
        self.stats.ddl_statements += 1
        self._analyse(node, ddl, "ddl")

    def _check_merge(self, node: dict[str, Any], columns: list[Column]) -> None:
        """The MERGE of the model's incremental strategy, against its own table."""
        config = node["config"]
        strategy = (config.get("incremental_strategy") or "merge").lower()
        target = ".".join(f"`{part}`" for part in _relation_path(node))
        names = [f"`{column.name}`" for column in columns]
        source = "select " + ", ".join(
            f"cast(null as {column.type_name}) as `{column.name}`" for column in columns
        )
        head = f"merge into {target} as DBT_INTERNAL_DEST using ({source}) as DBT_INTERNAL_SOURCE"
        insert = f"when not matched then insert ({', '.join(names)}) values ({', '.join(names)})"
        if strategy == "merge":
            unique_key = config.get("unique_key")
            keys = [unique_key] if isinstance(unique_key, str) else list(unique_key or [])
            if keys:
                on = " and ".join(
                    f"DBT_INTERNAL_SOURCE.{key} = DBT_INTERNAL_DEST.{key}" for key in keys
                )
                update = ", ".join(f"{name} = DBT_INTERNAL_SOURCE.{name}" for name in names)
                merge = f"{head} on ({on}) when matched then update set {update} {insert}"
            else:
                merge = f"{head} on (false) {insert}"
        elif strategy == "insert_overwrite":
            raw_partition = config.get("partition_by")
            partition = PartitionConfig.parse(raw_partition) if raw_partition else None
            if partition is None:
                self._add(ERROR, node, "merge", "insert_overwrite needs partition_by")
                return
            wrapped = partition.render_wrapped(alias="DBT_INTERNAL_DEST")
            merge = (
                f"{head} on false when not matched by source and {wrapped} in unnest("
                f"cast([] as array<{partition.data_type_for_partition()}>)) then delete {insert}"
            )
        else:
            return
        self.stats.merge_statements += 1
        self._analyse(node, merge, "merge")

    def _check_contract(self, node: dict[str, Any], columns: list[Column]) -> None:
        contract = node["config"].get("contract") or {}
        if not contract.get("enforced"):
            return
        self.stats.contracts += 1
        declared = node.get("columns") or {}
        produced = {column.name.lower(): column for column in columns}
        problems = []
        for name, spec in declared.items():
            data_type = spec.get("data_type")
            if not data_type:
                problems.append(f"{name}: no data_type")
                continue
            try:
                expected = self.bigquery_type(str(data_type))
            except ZetaSQLError:
                problems.append(f"{name}: data_type '{data_type}' is not a BigQuery type")
                continue
            column = produced.get(name.lower())
            if column is None:
                problems.append(f"{name}: declared but not produced by the query")
            elif column.type.type_kind != expected.type_kind:
                problems.append(
                    f"{name}: contract says {data_type}, the query produces {column.type_name}"
                )
        extra = set(produced) - {name.lower() for name in declared}
        if extra:
            problems.append("produced but not in the contract: " + ", ".join(sorted(extra)))
        if problems:
            self._add(
                ERROR,
                node,
                "contract",
                "enforced contract fails on BigQuery: " + "; ".join(problems),
            )

    # -- incremental path, tests, analyses --------------------------------------

    def check_incremental_path(self) -> None:
        if self.incremental_manifest is None:
            return
        for node in self.incremental_manifest["nodes"].values():
            if (
                node["resource_type"] != "model"
                or node["config"].get("materialized") != "incremental"
            ):
                continue
            if node.get("language") == "python":
                self._check_python_syntax_only(node)
                continue
            self._register_side_tables(node)
            self._analyse(node, node.get("compiled_code") or "", "incremental")

    def _register_side_tables(self, node: dict[str, Any]) -> None:
        """Tables a model's pre-hook writes before its incremental select reads them,
        declared in `meta.side_tables` ({suffix: {column: BigQuery type}}) as
        `<model>__<suffix>` beside the model."""
        side_tables = (node.get("config", {}).get("meta") or {}).get("side_tables") or {}
        path = _relation_path(node)
        for suffix, columns in side_tables.items():
            pairs = [(name, str(data_type).upper()) for name, data_type in columns.items()]
            add_table(
                self.catalog, [*path[:-1], f"{path[-1]}__{suffix}"], self._columns_from_types(pairs)
            )

    def _check_python_syntax_only(self, node: dict[str, Any]) -> None:
        try:
            ast.parse(node.get("compiled_code") or "", filename=node["original_file_path"])
        except SyntaxError as error:
            self._add(ERROR, node, "incremental", f"compiled Python does not parse: {error}")

    def check_tests_and_analyses(self) -> None:
        for node in self.manifest["nodes"].values():
            kind = node["resource_type"]
            if kind not in ("test", "analysis"):
                continue
            sql = node.get("compiled_code")
            if not sql:
                continue
            self._analyse(node, sql, kind)

    def run(self) -> list[Finding]:
        self.register_sources()
        self.register_seeds()
        self.check_models()
        self.check_incremental_path()
        self.check_tests_and_analyses()
        return self.findings


def _partition_clause(partition: PartitionConfig) -> str:
    data_type = partition.data_type.lower()
    if data_type in ("date", "timestamp", "datetime"):
        return f"partition by {partition.render()}"
    if data_type == "int64" and partition.range:
        bounds = partition.range
        return (
            f"partition by range_bucket({partition.field}, generate_array("
            f"{bounds['start']}, {bounds['end']}, {bounds['interval']}))"
        )
    return ""
