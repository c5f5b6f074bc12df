-- Every staged event, order and email event with at least one identifier in
-- the identity map has a customer (null only when every identifier is blocked).
-- The hourly job (CDP_DATA_TESTS_SCOPE=lookback) checks the events of the
-- lookback window, the rows it appended (every order: they are rebuilt); the
-- daily job every event.
with

tracks as (
    select * from {{ ref('int_tracks_resolved') }}
    where
        {{ composable_cdp.data_tests_lookback_condition(
            ref('int_tracks_resolved'), 'received_at'
        ) }}
),

orders as (
    select * from {{ ref('int_orders_resolved') }}
),

email_events as (
    select * from {{ ref('int_email_events_resolved') }}
    where
        {{ composable_cdp.data_tests_lookback_condition(
            ref('int_email_events_resolved'), 'loaded_at'
        ) }}
),

identity_map as (
    select * from {{ ref('int_identity_map') }}
),

mapped_user_ids as (
    select identifier_value from identity_map
    where identifier_type = 'user_id'
),

mapped_emails as (
    select identifier_value from identity_map
    where identifier_type = 'email'
),

mapped_loyalty_numbers as (
    select identifier_value from identity_map
    where identifier_type = 'loyalty_number'
),

mapped_device_ids as (
    select identifier_value from identity_map
    where identifier_type = 'device_id'
),

mapped_anonymous_ids as (
    select identifier_value from identity_map
    where identifier_type = 'anonymous_id'
),

unresolved_tracks as (
    select
        'tracks' as record_source,
        event_id as record_id
    from tracks
    where
        customer_id is null
        and (
            user_id in (
                select mapped_user_ids.identifier_value from mapped_user_ids
            )
            or device_id in (
                select mapped_device_ids.identifier_value from mapped_device_ids
            )
            or anonymous_id in (
                select mapped_anonymous_ids.identifier_value from mapped_anonymous_ids
            )
        )
),

unresolved_orders as (
    select
        'orders' as record_source,
        order_id as record_id
    from orders
    where
        customer_id is null
        and (
            user_id in (
                select mapped_user_ids.identifier_value from mapped_user_ids
            )
            or email in (
                select mapped_emails.identifier_value from mapped_emails
            )
            or loyalty_number in (
                select mapped_loyalty_numbers.identifier_value from mapped_loyalty_numbers
            )
            or anonymous_id in (
                select mapped_anonymous_ids.identifier_value from mapped_anonymous_ids
            )
        )
),

unresolved_email_events as (
    select
        'email_events' as record_source,
        email_event_id as record_id
    from email_events
    where
        customer_id is null
        and email in (select mapped_emails.identifier_value from mapped_emails)
)

select * from unresolved_tracks
union all
select * from unresolved_orders
union all
select * from unresolved_email_events
