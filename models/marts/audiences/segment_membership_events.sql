{#-
    Append-only history of segment membership: one `entered` row when a
    customer appears in a segment, one `exited` row (with the reason) when
    they leave it. Each run compares segment_memberships with the state the
    history itself describes (the latest event of every customer × segment),
    so a run on unchanged data appends nothing. Every event_id is new (it
    holds the batch number), so the merge only ever inserts. full_refresh:
    false: no run, not even `--full-refresh`, rebuilds (and so erases) the
    history.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='event_id',
    full_refresh=false,
    on_schema_change='fail',
) }}

with

memberships as (
    select * from {{ ref('segment_memberships') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

id_merges as (
    select * from {{ ref('customer_id_merges') }}
),

deletion_requests as (
    select * from {{ ref('stg_privacy__deletion_requests') }}
),

as_of as (
    select
        as_of_date,
        {{ composable_cdp.audience_as_of_timestamp('as_of_date') }} as as_of_at
    from {{ ref('int_as_of') }}
),

live_segments as (
    {{ composable_cdp.audience_live_segments() }}
),

history as (
    {% if is_incremental() %}
        select * from {{ this }}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as event_id,
            cast(null as {{ dbt.type_bigint() }}) as batch_number,
            cast(null as {{ dbt.type_string() }}) as customer_id,
            cast(null as {{ dbt.type_string() }}) as segment_name,
            cast(null as {{ dbt.type_string() }}) as purpose,
            cast(null as {{ dbt.type_string() }}) as event_type,
            cast(null as {{ dbt.type_timestamp() }}) as event_at,
            cast(null as {{ dbt.type_string() }}) as exit_reason,
            cast(null as {{ dbt.type_string() }}) as merged_into_customer_id,
            cast(null as date) as as_of_date
        from as_of
        where false
    {% endif %}
),

this_batch as (
    select coalesce(max(batch_number), 0) + 1 as batch_number
    from history
),

latest_events as (
    select
        customer_id,
        segment_name,
        purpose,
        event_type,
        row_number() over (
            partition by customer_id, segment_name
            order by batch_number desc
        ) as recency_rank
    from history
),

held_before as (
    select
        customer_id,
        segment_name,
        purpose
    from latest_events
    where recency_rank = 1 and event_type = 'entered'
),

entries as (
    select
        memberships.customer_id,
        memberships.segment_name,
        memberships.purpose,
        memberships.entered_at as event_at
    from memberships
    left join held_before
        on
            memberships.customer_id = held_before.customer_id
            and memberships.segment_name = held_before.segment_name
    where held_before.customer_id is null
),

erased_customers as (
    select customers.customer_id
    from customers
    left join deletion_requests as erased_emails
        on
            erased_emails.identifier_type = 'email'
            and customers.email = erased_emails.identifier_value
    left join deletion_requests as erased_phones
        on
            erased_phones.identifier_type = 'phone'
            and customers.phone_e164 = erased_phones.identifier_value
    where
        coalesce(customers.is_erased, false)
        or erased_emails.identifier_value is not null
        or erased_phones.identifier_value is not null
    group by customers.customer_id
),

consenting as (
    select
        customers.customer_id,
        {{ composable_cdp.audience_purpose_condition('email', 'customers') }} as is_email_allowed,
        {{ composable_cdp.audience_purpose_condition('sms', 'customers') }} as is_sms_allowed,
        {{ composable_cdp.audience_purpose_condition('ads', 'customers') }} as is_ads_allowed
    from customers
),

departures as (
    select
        held_before.customer_id,
        held_before.segment_name,
        held_before.purpose,
        case
            when erased_customers.customer_id is not null then 'erased'
            when id_merges.old_customer_id is not null then 'merged'
            when customers.customer_id is null then 'customer_removed'
            when live_segments.segment_name is null then 'segment_removed'
            when held_before.purpose = 'email' and not consenting.is_email_allowed
                then 'consent_withdrawn'
            when held_before.purpose = 'sms' and not consenting.is_sms_allowed
                then 'consent_withdrawn'
            when held_before.purpose = 'ads' and not consenting.is_ads_allowed
                then 'consent_withdrawn'
            else 'rule_no_longer_met'
        end as exit_reason,
        case
            when
                erased_customers.customer_id is null
                and id_merges.old_customer_id is not null
                then id_merges.current_customer_id
        end as merged_into_customer_id
    from held_before
    left join memberships
        on
            held_before.customer_id = memberships.customer_id
            and held_before.segment_name = memberships.segment_name
    left join customers
        on held_before.customer_id = customers.customer_id
    left join erased_customers
        on held_before.customer_id = erased_customers.customer_id
    left join id_merges
        on held_before.customer_id = id_merges.old_customer_id
    left join consenting
        on held_before.customer_id = consenting.customer_id
    left join live_segments
        on held_before.segment_name = live_segments.segment_name
    where memberships.customer_id is null
),

changes as (
    select
        customer_id,
        segment_name,
        purpose,
        'entered' as event_type,
        event_at,
        cast(null as {{ dbt.type_string() }}) as exit_reason,
        cast(null as {{ dbt.type_string() }}) as merged_into_customer_id
    from entries
    union all
    select
        departures.customer_id,
        departures.segment_name,
        departures.purpose,
        'exited' as event_type,
        as_of.as_of_at as event_at,
        departures.exit_reason,
        departures.merged_into_customer_id
    from departures
    cross join as_of
),

final as (
    select
        {{ composable_cdp.hash_id('sme', dbt.concat([
            'changes.segment_name', "'|'",
            'changes.customer_id', "'|'",
            'changes.event_type', "'|'",
            dbt.safe_cast('this_batch.batch_number', dbt.type_string())
        ])) }} as event_id,
        this_batch.batch_number,
        changes.customer_id,
        changes.segment_name,
        changes.purpose,
        changes.event_type,
        changes.event_at,
        changes.exit_reason,
        changes.merged_into_customer_id,
        as_of.as_of_date
    from changes
    cross join this_batch
    cross join as_of
)

select * from final
