{#-
    One row per (customer_id, segment) held now: the union of every segment
    mart. Segments are discovered from the graph at run time (models tagged
    `audience`, the tag the segment builder sets) with their YAML meta, so the
    SQL below needs no edit when a segment is added.

    dbt orders models by the refs it sees when it parses a file, and the graph
    is empty at parse time, so each segment also needs the one-line dependency
    hint below. A segment without one cannot be silently left out: dbt stops
    this model with "unable to infer all dependencies" and prints the exact
    line to add.
-#}
-- depends_on: {{ ref('seg_browse_abandoners') }}
-- depends_on: {{ ref('seg_cart_abandoners') }}
-- depends_on: {{ ref('seg_champions') }}
-- depends_on: {{ ref('seg_cross_sell') }}
-- depends_on: {{ ref('seg_high_churn_risk') }}
-- depends_on: {{ ref('seg_loyal_gone_quiet') }}
-- depends_on: {{ ref('seg_opened_not_clicking') }}
-- depends_on: {{ ref('seg_replenishment_due') }}
-- depends_on: {{ ref('seg_vip_predicted_clv') }}
-- depends_on: {{ ref('seg_welcome_engaged') }}
-- depends_on: {{ ref('seg_win_back') }}

with

memberships as (
    {{ composable_cdp.audience_memberships_union() }}
),

final as (
    select * from memberships
)

select * from final
