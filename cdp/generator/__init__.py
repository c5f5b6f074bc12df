"""The raw-data generator behind `cdp generate` (see `cdp.generate` for the entry points).

Modules:
- `core`: seeded random streams, id hashing, fast string and ISO-8601 building;
- `catalog`: the product catalogue;
- `people`: the population (personas, identifiers, devices, purchase process);
- `activity`: per-period sessions, tracks, identifies, orders, order items, email events;
- `records`: CRM contacts, consents and deletion requests;
- `traps`: junk identifiers, late and duplicate deliveries, malformed rows;
- `truth`: identifier normalisation (as staging does it) and the `_truth` files;
- `schema`: the Parquet schema of every raw table (docs/data_contract.md).
"""
