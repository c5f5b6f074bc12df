"""The Parquet schema of every raw table (docs/data_contract.md), and where it lives."""

from __future__ import annotations

import pyarrow as pa

_S = pa.string()
_D = pa.float64()

SCHEMAS: dict[str, pa.Schema] = {
    "segment.tracks": pa.schema(
        [
            ("id", _S),
            ("anonymous_id", _S),
            ("user_id", _S),
            ("event", _S),
            ("event_text", _S),
            ("timestamp", _S),
            ("sent_at", _S),
            ("received_at", _S),
            ("context_device_id", _S),
            ("context_library_name", _S),
            ("context_ip", _S),
            ("context_page_url", _S),
            ("context_user_agent", _S),
            ("properties", _S),
        ]
    ),
    "segment.identifies": pa.schema(
        [
            ("id", _S),
            ("anonymous_id", _S),
            ("user_id", _S),
            ("email", _S),
            ("phone", _S),
            ("first_name", _S),
            ("last_name", _S),
            ("timestamp", _S),
            ("sent_at", _S),
            ("received_at", _S),
            ("context_device_id", _S),
            ("context_library_name", _S),
        ]
    ),
    "crm.contacts": pa.schema(
        [
            ("contact_id", _S),
            ("user_id", _S),
            ("email", _S),
            ("phone", _S),
            ("first_name", _S),
            ("last_name", _S),
            ("country_code", _S),
            ("loyalty_number", _S),
            ("created_at", _S),
            ("updated_at", _S),
            ("_loaded_at", _S),
        ]
    ),
    "commerce.orders": pa.schema(
        [
            ("order_id", _S),
            ("channel", _S),
            ("user_id", _S),
            ("anonymous_id", _S),
            ("email", _S),
            ("loyalty_number", _S),
            ("store_id", _S),
            ("ordered_at", _S),
            ("currency", _S),
            ("subtotal", _D),
            ("discount", _D),
            ("shipping", _D),
            ("tax", _D),
            ("total", _D),
            ("status", _S),
            ("updated_at", _S),
            ("_loaded_at", _S),
        ]
    ),
    "commerce.order_items": pa.schema(
        [
            ("order_item_id", _S),
            ("order_id", _S),
            ("product_id", _S),
            ("sku", _S),
            ("quantity", pa.int64()),
            ("unit_price", _D),
            ("_loaded_at", _S),
        ]
    ),
    "commerce.products": pa.schema(
        [
            ("product_id", _S),
            ("sku", _S),
            ("name", _S),
            ("category", _S),
            ("brand", _S),
            ("price", _D),
            ("is_consumable", pa.bool_()),
            ("parent_product_id", _S),
            ("_loaded_at", _S),
        ]
    ),
    "esp.email_events": pa.schema(
        [
            ("event_id", _S),
            ("email", _S),
            ("campaign_id", _S),
            ("campaign_name", _S),
            ("campaign_series", _S),
            ("event_type", _S),
            ("bounce_type", _S),
            ("url", _S),
            ("occurred_at", _S),
            ("_loaded_at", _S),
        ]
    ),
    "privacy.consents": pa.schema(
        [
            ("consent_id", _S),
            ("user_id", _S),
            ("email", _S),
            ("purpose", _S),
            ("status", _S),
            ("source", _S),
            ("recorded_at", _S),
            ("_loaded_at", _S),
        ]
    ),
    "privacy.deletion_requests": pa.schema(
        [
            ("request_id", _S),
            ("identifier_type", _S),
            ("identifier_value", _S),
            ("requested_at", _S),
            ("_loaded_at", _S),
        ]
    ),
}

TABLES = tuple(SCHEMAS)


def table_dir(table: str) -> str:
    """`<source>/<table>` folder of a table named `<source>.<table>`."""
    source, name = table.split(".")
    return f"{source}/{name}"
