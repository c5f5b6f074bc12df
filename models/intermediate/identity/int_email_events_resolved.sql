{#-
    Every staged ESP event with the customer of its email address. Null only
    when the address is blocked (test@test.com, ...). Incremental
    (macros/identity/resolved_rows.sql): a scheduled run merges the new events
    and the old ones a merge or split re-keyed.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='email_event_id',
    on_schema_change='fail',
    partition_by=(
        {'field': 'event_date', 'data_type': 'date', 'granularity': 'day'}
        if target.type == 'bigquery' else none
    ),
    cluster_by=(
        ['customer_id', 'event_type']
        if target.type == 'bigquery' else none
    )
) }}

with

email_events as (
    select * from {{ ref('stg_esp__email_events') }}
),

identity_map as (
    select * from {{ ref('int_identity_map') }}
),

resolved as (
    select
        email_events.*,
        by_email.customer_id
    from email_events
    left join identity_map as by_email
        on
            by_email.identifier_type = 'email'
            and email_events.email = by_email.identifier_value
),

-- on a scheduled run, only the events to merge (new or re-keyed)
final as (
    {{ resolved_rows_changed('resolved', 'email_event_id') }}
)

-- every column of the staged model, plus customer_id
select * from final  -- noqa: AM04
