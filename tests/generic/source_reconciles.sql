{#-
    Every raw row of a source table is accounted for by its staging model:

        raw rows = clean rows + rejected rows + duplicate rows removed

    Each term is recomputed from the RAW table with the table's rules macro
    (the same expression the models use, written once in
    macros/staging/rejection_reasons.sql), never taken from the models:
    - the clean model must hold exactly one row per distinct key of the valid
      raw rows: same count, same key set (a lost or invented row fails);
    - the rejected model must hold every invalid raw row: same count per
      rejection_reason;
    - duplicates removed = valid raw rows - distinct valid keys.
    Returns one row (the figures) when any of these does not hold.
    It re-reads the whole raw table, so it is tagged `reconciliation`: the
    `daily` job runs it, the `hourly` job leaves it out (selectors.yml).

    Arguments:
    - source_relation: the raw table, e.g. source('segment', 'tracks')
    - source_key: its primary-id column (normalised with normalize_id)
    - key_column: the key column of the clean model (the tested model)
    - rejected_model: the quarantine model, e.g. ref('stg_segment__tracks_rejected')
    - rules: the rules' name, `<source>__<table>`
-#}
{% test source_reconciles(model, source_relation, source_key, key_column, rejected_model, rules) %}

{{ config(tags=['reconciliation']) }}

with

raw_rows as (
    select
        {{ composable_cdp.normalize_id(source_key) }} as row_key,
        {{ composable_cdp.staging_rejection_reason(rules) }} as rejection_reason
    from {{ source_relation }}
),

clean_rows as (
    select {{ key_column }} as row_key
    from {{ model }}
),

rejected_rows as (
    select rejection_reason
    from {{ rejected_model }}
),

valid_keys as (
    select distinct row_key
    from raw_rows
    where rejection_reason is null
),

raw_counts as (
    select
        count(*) as raw_row_count,
        coalesce(sum(case when rejection_reason is null then 1 else 0 end), 0)
            as valid_row_count,
        coalesce(sum(case when rejection_reason is not null then 1 else 0 end), 0)
            as invalid_row_count
    from raw_rows
),

valid_key_counts as (
    select count(*) as distinct_valid_key_count
    from valid_keys
),

clean_counts as (
    select count(*) as clean_row_count
    from clean_rows
),

rejected_counts as (
    select count(*) as rejected_row_count
    from rejected_rows
),

-- keys in one set and not the other (a clean key that is not a valid raw
-- key was invented or altered; a valid raw key absent from clean was lost)
key_mismatches as (
    select count(*) as mismatched_key_count
    from valid_keys
    full outer join clean_rows
        on valid_keys.row_key = clean_rows.row_key
    where valid_keys.row_key is null or clean_rows.row_key is null
),

raw_reason_counts as (
    select
        rejection_reason,
        count(*) as row_count
    from raw_rows
    where rejection_reason is not null
    group by 1
),

rejected_reason_counts as (
    select
        rejection_reason,
        count(*) as row_count
    from rejected_rows
    group by 1
),

reason_mismatches as (
    select count(*) as mismatched_reason_count
    from raw_reason_counts
    full outer join rejected_reason_counts
        on raw_reason_counts.rejection_reason = rejected_reason_counts.rejection_reason
    where
        raw_reason_counts.rejection_reason is null
        or rejected_reason_counts.rejection_reason is null
        or raw_reason_counts.row_count != rejected_reason_counts.row_count
),

summary as (
    select
        raw_counts.raw_row_count,
        clean_counts.clean_row_count,
        rejected_counts.rejected_row_count,
        raw_counts.valid_row_count - valid_key_counts.distinct_valid_key_count
            as duplicate_row_count,
        valid_key_counts.distinct_valid_key_count as expected_clean_row_count,
        raw_counts.invalid_row_count as expected_rejected_row_count,
        key_mismatches.mismatched_key_count,
        reason_mismatches.mismatched_reason_count
    from raw_counts
    cross join valid_key_counts
    cross join clean_counts
    cross join rejected_counts
    cross join key_mismatches
    cross join reason_mismatches
)

select * from summary
where
    clean_row_count != expected_clean_row_count
    or rejected_row_count != expected_rejected_row_count
    or mismatched_key_count != 0
    or mismatched_reason_count != 0
    or raw_row_count
    != clean_row_count + rejected_row_count + duplicate_row_count

{% endtest %}
