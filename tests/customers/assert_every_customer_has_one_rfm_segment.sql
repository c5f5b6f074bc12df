-- Every scored customer (a completed order by as_of_date) has all three scores
-- and exactly one named segment: the one the seed rfm_segment_map gives its
-- R×F cell. Every unscored customer has no score at all and the segment of var
-- rfm_no_purchase_segment. One failing row per customer that breaks this.
with

features as (
    select * from {{ ref('int_customer_features') }}
),

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

matched as (
    select
        features.customer_id,
        features.has_purchased,
        features.recency_score,
        features.frequency_score,
        features.monetary_score,
        features.rfm_segment,
        count(segment_map.rfm_segment) as matching_cells
    from features
    left join segment_map
        on
            features.recency_score = segment_map.recency_score
            and features.frequency_score = segment_map.frequency_score
            and features.rfm_segment = segment_map.rfm_segment
    group by 1, 2, 3, 4, 5, 6
),

problems as (
    select
        customer_id,
        rfm_segment,
        case
            when
                has_purchased
                and (
                    recency_score is null
                    or frequency_score is null
                    or monetary_score is null
                )
                then 'scored customer missing a score'
            when has_purchased and matching_cells != 1
                then 'scored customer without exactly one named segment of its cell'
            when
                not has_purchased
                and (
                    recency_score is not null
                    or frequency_score is not null
                    or monetary_score is not null
                )
                then 'customer without purchases has a score'
            when
                not has_purchased
                and (
                    rfm_segment is null
                    or rfm_segment != '{{ var("rfm_no_purchase_segment") }}'
                )
                then 'customer without purchases not in the no-purchase segment'
        end as problem
    from matched
)

select * from problems
where problem is not null
