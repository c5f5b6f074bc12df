{#-
    Every staged track with its customer: the customer of its strongest
    identifier in the identity map (user_id, then device_id, then
    anonymous_id). Null only when every identifier of the event is blocked.
-#}
with

tracks as (
    select * from {{ ref('stg_segment__tracks') }}
),

identity_map as (
    select * from {{ ref('int_identity_map') }}
),

resolved as (
    select
        tracks.*,
        coalesce(
            by_user_id.customer_id,
            by_device_id.customer_id,
            by_anonymous_id.customer_id
        ) as customer_id
    from tracks
    left join identity_map as by_user_id
        on
            by_user_id.identifier_type = 'user_id'
            and tracks.user_id = by_user_id.identifier_value
    left join identity_map as by_device_id
        on
            by_device_id.identifier_type = 'device_id'
            and tracks.device_id = by_device_id.identifier_value
    left join identity_map as by_anonymous_id
        on
            by_anonymous_id.identifier_type = 'anonymous_id'
            and tracks.anonymous_id = by_anonymous_id.identifier_value
),

final as (
    select * from resolved
)

-- every column of the staged model, plus customer_id
select * from final  -- noqa: AM04
