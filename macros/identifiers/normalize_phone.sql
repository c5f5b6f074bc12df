{#-
    Phone: any format -> E.164 (`+` then 8 to 15 digits, first digit not 0), or
    null when it cannot be read.

    `calling_code_expr` is the country calling code (`'1'`, `'44'`, ...) to use
    when the number has no international prefix: models look it up in the seed
    `country_calling_codes` (a join on the row's country, else
    `default_calling_code()`). It is an argument, not a country, because a
    correlated lookup inside an expression would capture column names of the
    caller (`country_code` exists on both sides).

    Rules:
    - keep digits only; a leading `+` (after any punctuation) or a leading `00`
      means the digits already start with the country code;
    - otherwise it is a national number: for calling code 1 (US, CA: NANP)
      10 digits get a `1` prefix and 11 digits starting with `1` are taken
      as they are (anything else is null); for every other country one trunk
      `0` is dropped and the calling code is prefixed;
    - the result must have 8 to 15 digits and not start with 0, else null.
-#}
{% macro normalize_phone(phone_expr, calling_code_expr) -%}
    {%- set cleaned = composable_cdp.regexp_replace_all(phone_expr, '[^0-9+]', '') -%}
    {%- set digits = composable_cdp.regexp_replace_all(phone_expr, '[^0-9]', '') -%}
    {%- set calling_code = 'cast(' ~ calling_code_expr ~ ' as ' ~ dbt.type_string() ~ ')' -%}
    {%- set international -%}
        case
            when {{ cleaned }} like '+%' then {{ digits }}
            when {{ digits }} like '00%' then substr({{ digits }}, 3)
            when {{ calling_code }} is null then null
            when {{ calling_code }} = '1'
                then case
                    when length({{ digits }}) = 10 then concat('1', {{ digits }})
                    when length({{ digits }}) = 11 and {{ digits }} like '1%'
                        then {{ digits }}
                end
            when {{ digits }} like '0%'
                then concat({{ calling_code }}, substr({{ digits }}, 2))
            else concat({{ calling_code }}, {{ digits }})
        end
    {%- endset -%}
    case
        when {{ composable_cdp.regexp_contains(international, '^[1-9][0-9]{7,14}$') }}
            then concat('+', {{ international }})
    end
{%- endmacro %}


{#- The calling code of the `default_phone_country` var, from the seed
    `country_calling_codes` (null if the seed does not list that country; a
    singular test guards against that). -#}
{% macro default_calling_code() -%}
    (
        select default_country.calling_code
        from {{ ref('country_calling_codes') }} as default_country
        where default_country.country_code = upper('{{ var("default_phone_country") }}')
    )
{%- endmacro %}
