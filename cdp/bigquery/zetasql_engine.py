"""Google's ZetaSQL (the BigQuery SQL front end) in-process, via the `zetasql` package.

The `zetasql` package ships ZetaSQL compiled to WebAssembly and runs it with wasmtime.
Compiling the 28 MB module to machine code takes ~12 s on this machine, so the compiled
artefact is cached (wasmtime's own serialisation, keyed by the module's hash and the
wasmtime version); a cached load takes milliseconds.

We talk to the module with the raw protobuf messages of ZetaSQL's local service rather
than the package's dataclass wrappers: it is faster (the wrappers convert the whole
resolved tree to Python objects) and only the output column list is needed.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import hashlib
import importlib.metadata
import os
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import wasmtime
from google.protobuf import empty_pb2
from google.protobuf import message as pb_message
from zetasql.core.exceptions import ServerError
from zetasql.core.wasm_client import WasmClient, get_tzinfo_dir
from zetasql.wasi import get_wasm_path
from zetasql.wasi._pb2.zetasql.local_service import local_service_pb2 as ls_pb2
from zetasql.wasi._pb2.zetasql.proto import options_pb2 as proto_options_pb2
from zetasql.wasi._pb2.zetasql.proto import simple_catalog_pb2
from zetasql.wasi._pb2.zetasql.public import options_pb2 as public_options_pb2
from zetasql.wasi._pb2.zetasql.public import simple_table_pb2, type_pb2
from zetasql.wasi._pb2.zetasql.resolved_ast import resolved_ast_pb2
from zetasql.wasi._pb2.zetasql.resolved_ast import resolved_node_kind_pb2 as kinds_pb2


def default_cache_dir() -> Path:
    """Where the compiled module is kept: $CDP_ZETASQL_CACHE, else ~/.cache/cdp."""
    configured = os.environ.get("CDP_ZETASQL_CACHE")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cdp"


TypeKind = type_pb2.TypeKind

# The statements dbt-bigquery sends (queries, CTAS, views, DML for incremental
# models, DDL for tables/schemas). An empty list would mean "queries only".
SUPPORTED_STATEMENTS = (
    kinds_pb2.RESOLVED_QUERY_STMT,
    kinds_pb2.RESOLVED_CREATE_TABLE_AS_SELECT_STMT,
    kinds_pb2.RESOLVED_CREATE_TABLE_STMT,
    kinds_pb2.RESOLVED_CREATE_VIEW_STMT,
    kinds_pb2.RESOLVED_CREATE_SCHEMA_STMT,
    kinds_pb2.RESOLVED_INSERT_STMT,
    kinds_pb2.RESOLVED_UPDATE_STMT,
    kinds_pb2.RESOLVED_DELETE_STMT,
    kinds_pb2.RESOLVED_MERGE_STMT,
    kinds_pb2.RESOLVED_TRUNCATE_STMT,
    kinds_pb2.RESOLVED_DROP_STMT,
    kinds_pb2.RESOLVED_ALTER_TABLE_STMT,
    kinds_pb2.RESOLVED_ALTER_TABLE_SET_OPTIONS_STMT,
)

# BigQuery's own aliases of ZetaSQL types ("Data types" page of the BigQuery docs).
# ZetaSQL's external mode knows only the canonical names, so the catalog adds these.
TYPE_ALIASES = {
    "INT": TypeKind.TYPE_INT64,
    "SMALLINT": TypeKind.TYPE_INT64,
    "INTEGER": TypeKind.TYPE_INT64,
    "BIGINT": TypeKind.TYPE_INT64,
    "TINYINT": TypeKind.TYPE_INT64,
    "BYTEINT": TypeKind.TYPE_INT64,
    "DECIMAL": TypeKind.TYPE_NUMERIC,
    "BIGDECIMAL": TypeKind.TYPE_BIGNUMERIC,
    "BOOLEAN": TypeKind.TYPE_BOOL,
}


class ZetaSQLError(Exception):
    """ZetaSQL rejected a statement; the message is ZetaSQL's own (with line:column)."""


@dataclass(frozen=True)
class Column:
    """A column as BigQuery sees it: a name and a ZetaSQL type."""

    name: str
    type: type_pb2.TypeProto

    @property
    def type_name(self) -> str:
        return type_name(self.type)


def scalar_type(kind: int) -> type_pb2.TypeProto:
    return type_pb2.TypeProto(type_kind=kind)


def array_type(element: type_pb2.TypeProto) -> type_pb2.TypeProto:
    return type_pb2.TypeProto(
        type_kind=TypeKind.TYPE_ARRAY, array_type=type_pb2.ArrayTypeProto(element_type=element)
    )


def type_name(proto: type_pb2.TypeProto) -> str:
    """BigQuery's spelling of a ZetaSQL type (INT64, ARRAY<STRING>, STRUCT<a INT64>)."""
    kind = proto.type_kind
    if kind == TypeKind.TYPE_ARRAY:
        return f"ARRAY<{type_name(proto.array_type.element_type)}>"
    if kind == TypeKind.TYPE_STRUCT:
        fields = ", ".join(
            f"{field.field_name} {type_name(field.field_type)}".strip()
            for field in proto.struct_type.field
        )
        return f"STRUCT<{fields}>"
    name = TypeKind.Name(kind).removeprefix("TYPE_")
    return {"DOUBLE": "FLOAT64", "BIGNUMERIC": "BIGNUMERIC"}.get(name, name)


def _wasm_cache_path(cache_dir: Path, wasm_path: Path) -> Path:
    digest = hashlib.sha256(wasm_path.read_bytes()).hexdigest()[:16]
    return cache_dir / f"zetasql-{digest}-wasmtime-{importlib.metadata.version('wasmtime')}.cwasm"


def _engine() -> wasmtime.Engine:
    config = wasmtime.Config()
    # Same engine settings as zetasql's own client: a serialised module only loads
    # into an engine configured the way the one that compiled it was.
    with contextlib.suppress(AttributeError):
        config.shared_memory = True
    return wasmtime.Engine(config)


def load_module(engine: wasmtime.Engine, cache_dir: Path | None) -> tuple[wasmtime.Module, bool]:
    """The compiled ZetaSQL module, from the cache when possible; (module, was_cached)."""
    wasm_path = Path(get_wasm_path())
    if cache_dir is None:
        return wasmtime.Module.from_file(engine, str(wasm_path)), False
    cached = _wasm_cache_path(cache_dir, wasm_path)
    if cached.is_file():
        try:
            return wasmtime.Module.deserialize_file(engine, str(cached)), True
        except wasmtime.WasmtimeError:
            cached.unlink(missing_ok=True)  # written by another wasmtime build: recompile
    module = wasmtime.Module.from_file(engine, str(wasm_path))
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a concurrent reader never sees half a file.
    fd, tmp_name = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(module.serialize())
    os.replace(tmp_name, cached)
    return module, False


class _FastWasmClient(WasmClient):
    """zetasql's WasmClient with a cached module and bulk memory copies.

    The upstream client compiles the module on every start and copies request and
    response bytes one Python call per byte; both are fine for a demo, slow for a few
    hundred statements.
    """

    def __init__(self, cache_dir: Path | None) -> None:  # no super().__init__: it compiles
        wasi = wasmtime.WasiConfig()
        wasi.inherit_stdout()
        wasi.inherit_stderr()
        if tz_dir := get_tzinfo_dir():
            wasi.preopen_dir(tz_dir, "/usr/share/zoneinfo")
        engine = _engine()
        self.store = wasmtime.Store(engine)
        self.store.set_wasi(wasi)
        self.module, self.from_cache = load_module(engine, cache_dir)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        self.instance = linker.instantiate(self.store, self.module)
        self.exports = self.instance.exports(self.store)
        with contextlib.suppress(KeyError):
            self.exports["_initialize"](self.store)
        self.memory = self.exports["memory"]

    def _address(self, ptr: int, size: int) -> int:
        # Shared memory can move when it grows: take its base address on every access.
        if ptr < 0 or ptr + size > self.memory.data_len():
            raise IndexError(f"wasm memory access out of bounds: {ptr}+{size}")
        return ctypes.addressof(self.memory.data_ptr().contents) + ptr

    def write_bytes(self, ptr: int, data: bytes) -> None:
        ctypes.memmove(self._address(ptr, len(data)), data, len(data))

    def read_bytes(self, ptr: int, size: int) -> bytes:
        return ctypes.string_at(self._address(ptr, size), size)


def _first_line(error: ServerError) -> str:
    text = str(error)
    return text.removeprefix("[INVALID_ARGUMENT] ").strip()


class ZetaSQL:
    """One in-process ZetaSQL instance: parse and analyse BigQuery SQL."""

    def __init__(self, cache_dir: Path | None = None, *, use_cache: bool = True) -> None:
        if cache_dir is None and use_cache:
            cache_dir = default_cache_dir()
        self._client = _FastWasmClient(cache_dir if use_cache else None)
        self._registration: tuple[tuple[int, int], int] | None = None

    @property
    def loaded_from_cache(self) -> bool:
        return bool(self._client.from_cache)

    def _call(self, method: str, request: pb_message.Message, response_type: Any) -> Any:
        try:
            return self._client.call_grpc_func(method, request, response_type)
        except ServerError as error:
            raise ZetaSQLError(_first_line(error)) from None

    @cached_property
    def language_options(self) -> proto_options_pb2.LanguageOptionsProto:
        """Every released ZetaSQL feature, BigQuery's external product mode.

        BigQuery is ZetaSQL's external mode (no INT32/UINT64/ENUM types, ...). All
        language features are on, which is a little more permissive than BigQuery
        itself; the features BigQuery lacks are not ones DuckDB has either.
        """
        options = self._call(
            "ZetaSqlLocalService_GetLanguageOptions",
            ls_pb2.LanguageOptionsRequest(maximum_features=True),
            proto_options_pb2.LanguageOptionsProto,
        )
        options.product_mode = public_options_pb2.PRODUCT_EXTERNAL
        del options.supported_statement_kinds[:]
        options.supported_statement_kinds.extend(SUPPORTED_STATEMENTS)
        return options

    @cached_property
    def analyzer_options(self) -> proto_options_pb2.AnalyzerOptionsProto:
        return proto_options_pb2.AnalyzerOptionsProto(
            language_options=self.language_options,
            error_message_mode=public_options_pb2.ERROR_MESSAGE_ONE_LINE,
            default_timezone="UTC",
            prune_unused_columns=True,
            preserve_column_aliases=True,
        )

    def new_catalog(self) -> Catalog:
        """An empty catalog with ZetaSQL's built-in functions and BigQuery's type aliases."""
        return Catalog(self._new_catalog_proto())

    def _new_catalog_proto(self) -> simple_catalog_pb2.SimpleCatalogProto:
        return simple_catalog_pb2.SimpleCatalogProto(
            name="bigquery",
            builtin_function_options=proto_options_pb2.ZetaSQLBuiltinFunctionOptionsProto(
                language_options=self.language_options
            ),
            named_type=[
                simple_catalog_pb2.SimpleCatalogProto.NamedTypeProto(
                    name=alias, type=scalar_type(kind)
                )
                for alias, kind in TYPE_ALIASES.items()
            ],
        )

    def parse(self, sql: str, *, script: bool = False) -> None:
        """Syntax only: raise ZetaSQLError unless `sql` is one statement (or a script)."""
        self._call(
            "ZetaSqlLocalService_Parse",
            ls_pb2.ParseRequest(
                sql_statement=sql, options=self.language_options, allow_script=script
            ),
            ls_pb2.ParseResponse,
        )

    def evaluate(self, sql: str) -> list[tuple[Any, ...]]:
        """Run a query that reads no table on ZetaSQL's reference implementation.

        The reference implementation defines the semantics BigQuery implements, so a
        dispatch macro's BigQuery variant can be compared with its DuckDB variant on
        the same inputs.
        """
        response = self._call(
            "ZetaSqlLocalService_EvaluateQuery",
            ls_pb2.EvaluateQueryRequest(
                sql=sql, options=self.analyzer_options, simple_catalog=self._new_catalog_proto()
            ),
            ls_pb2.EvaluateQueryResponse,
        )
        return [
            tuple(_python_value(cell) for cell in row.cell)
            for row in response.content.table_data.row
        ]

    def _registered_id(self, catalog: Catalog) -> int:
        """The catalog registered in the module (building ZetaSQL's ~thousand built-in
        functions costs 15 ms; an analysis against a registered catalog 3 ms)."""
        key = (id(catalog), catalog.version)
        if self._registration is not None and self._registration[0] == key:
            return self._registration[1]
        if self._registration is not None:
            self._call(
                "ZetaSqlLocalService_UnregisterCatalog",
                ls_pb2.UnregisterRequest(registered_id=self._registration[1]),
                empty_pb2.Empty,
            )
            self._registration = None
        response = self._call(
            "ZetaSqlLocalService_RegisterCatalog",
            ls_pb2.RegisterCatalogRequest(simple_catalog=catalog.proto),
            ls_pb2.RegisterResponse,
        )
        self._registration = (key, response.registered_id)
        return int(response.registered_id)

    def analyze(self, sql: str, catalog: Catalog) -> list[Column] | None:
        """Resolve names and types against `catalog`; a query's output columns.

        Returns None for statements without an output (DDL, DML). Only the output
        column list is decoded: the whole resolved tree of a big model nests deeper
        than protobuf's Python decoder allows (100 levels).
        """
        request = ls_pb2.AnalyzeRequest(
            sql_statement=sql,
            options=self.analyzer_options,
            registered_catalog_id=self._registered_id(catalog),
        )
        try:
            raw = self._client._call_grpc_method(
                "ZetaSqlLocalService_Analyze", request.SerializeToString()
            )
        except ServerError as error:
            raise ZetaSQLError(_first_line(error)) from None
        statement = _field(raw, _RESPONSE_STATEMENT)
        query = _field(statement, _STATEMENT_QUERY) if statement is not None else None
        if query is None:
            return None
        return [
            Column(name=out.name, type=out.column.type)
            for out in (
                resolved_ast_pb2.ResolvedOutputColumnProto.FromString(chunk)
                for chunk in _fields(query, _QUERY_OUTPUT_COLUMNS)
            )
        ]


def _python_value(value: Any) -> Any:
    """A ZetaSQL ValueProto as a Python value (the scalar kinds the tests compare)."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    raw = getattr(value, kind)
    if kind == "timestamp_value":
        return raw.ToDatetime(tzinfo=datetime.UTC)
    if kind == "date_value":
        return datetime.date(1970, 1, 1) + datetime.timedelta(days=raw)
    if kind == "array_value":
        return [_python_value(element) for element in raw.element]
    if kind == "json_value":
        return raw
    return raw


_RESPONSE_STATEMENT = ls_pb2.AnalyzeResponse.DESCRIPTOR.fields_by_name["resolved_statement"].number
_STATEMENT_QUERY = resolved_ast_pb2.AnyResolvedStatementProto.DESCRIPTOR.fields_by_name[
    "resolved_query_stmt_node"
].number
_QUERY_OUTPUT_COLUMNS = resolved_ast_pb2.ResolvedQueryStmtProto.DESCRIPTOR.fields_by_name[
    "output_column_list"
].number


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes, number: int) -> list[bytes]:
    """The length-delimited values of field `number` in one serialised message."""
    found = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        field_number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            _, pos = _varint(data, pos)
        elif wire_type == 1:
            pos += 8
        elif wire_type == 5:
            pos += 4
        elif wire_type == 2:
            length, pos = _varint(data, pos)
            if field_number == number:
                found.append(data[pos : pos + length])
            pos += length
        else:
            raise ZetaSQLError(f"unexpected protobuf wire type {wire_type}")
    return found


def _field(data: bytes, number: int) -> bytes | None:
    values = _fields(data, number)
    return values[-1] if values else None


class Catalog:
    """A ZetaSQL catalog proto and a version that moves on every change."""

    def __init__(self, proto: simple_catalog_pb2.SimpleCatalogProto) -> None:
        self.proto = proto
        self.version = 0


def add_table(catalog: Catalog, path: list[str], columns: list[Column]) -> None:
    """Put a table at `project.dataset.table` (any depth) into nested sub-catalogs."""
    catalog.version += 1
    *catalog_path, table_name = path
    node = catalog.proto
    for part in catalog_path:
        found = next((sub for sub in node.catalog if sub.name == part), None)
        if found is None:
            found = node.catalog.add(name=part)
        node = found
    for index, existing in enumerate(node.table):
        if existing.name.lower() == table_name.lower():
            del node.table[index]
            break
    node.table.append(
        simple_table_pb2.SimpleTableProto(
            name=table_name,
            column=[
                simple_table_pb2.SimpleColumnProto(
                    name=column.name, type=column.type, is_writable_column=True
                )
                for column in columns
            ],
        )
    )
