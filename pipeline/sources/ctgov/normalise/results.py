"""Rows from a study's posted results: outcome measures with their groups, values and analyses.

Results numbers are strings in the API ("12.5", "NA", "<0.001"): each keeps its raw text beside the
parsed float, so "NA" becomes a null number, not a lost value.
"""

from __future__ import annotations

from typing import Any

from pipeline.parquet.columns import Columns
from pipeline.sources.ctgov.normalise.enums import check
from pipeline.sources.ctgov.normalise.numbers import parse_number, parse_p_value
from pipeline.sources.ctgov.normalise.rows import EMPTY, PageRows, required_id, str_list


def add_result_rows(results: dict[str, Any], nct_id: str, rows: PageRows, unknown: list[str]) -> None:
    measures = (results.get("outcomeMeasuresModule") or EMPTY).get("outcomeMeasures") or ()
    column = rows.tables["result_outcomes"].columns
    for idx, measure in enumerate(measures):
        column["nct_id"].append(nct_id)
        column["outcome_idx"].append(idx)
        column["outcome_type"].append(check("outcomeMeasures.type", measure.get("type"), unknown))
        column["title"].append(measure.get("title"))
        column["description"].append(measure.get("description"))
        column["population_description"].append(measure.get("populationDescription"))
        column["reporting_status"].append(measure.get("reportingStatus"))
        column["param_type"].append(measure.get("paramType"))
        column["dispersion_type"].append(measure.get("dispersionType"))
        column["unit_of_measure"].append(measure.get("unitOfMeasure"))
        column["time_frame"].append(measure.get("timeFrame"))
        _add_groups(measure, nct_id, idx, rows.tables["result_groups"].columns)
        _add_measurements(measure, nct_id, idx, rows.tables["result_measurements"].columns)
        _add_analyses(measure, nct_id, idx, rows.tables["result_analyses"].columns, unknown)


def _add_groups(measure: dict[str, Any], nct_id: str, idx: int, column: Columns) -> None:
    """One row per group and denominator (a measure may count participants and, say, eyes).

    A group with no denominator still gets a row; a denominator for a group the measure does not
    list gets one too, with no title, so no count is dropped.
    """
    denoms: dict[str, list[tuple[Any, Any]]] = {}
    for denom in measure.get("denoms") or ():
        units = denom.get("units")
        for count in denom.get("counts") or ():
            group_id = required_id(count.get("groupId"), "outcome denominator groupId")
            denoms.setdefault(group_id, []).append((units, count.get("value")))
    groups = [
        (required_id(group.get("id"), "outcome group id"), group.get("title"), group.get("description"))
        for group in measure.get("groups") or ()
    ]
    with_counts = [(*group, denoms.pop(group[0], None) or ((None, None),)) for group in groups]
    with_counts += [(group_id, None, None, counts) for group_id, counts in denoms.items()]
    for group_id, title, description, counts in with_counts:
        for units, raw in counts:
            column["nct_id"].append(nct_id)
            column["outcome_idx"].append(idx)
            column["group_id"].append(group_id)
            column["title"].append(title)
            column["description"].append(description)
            column["denom_units"].append(units)
            column["denom_value_raw"].append(raw)
            column["denom_value"].append(parse_number(raw))


def _add_measurements(measure: dict[str, Any], nct_id: str, idx: int, column: Columns) -> None:
    for klass in measure.get("classes") or ():
        class_title = klass.get("title")
        for category in klass.get("categories") or ():
            category_title = category.get("title")
            for m in category.get("measurements") or ():
                value, spread = m.get("value"), m.get("spread")
                lower, upper = m.get("lowerLimit"), m.get("upperLimit")
                column["nct_id"].append(nct_id)
                column["outcome_idx"].append(idx)
                column["group_id"].append(required_id(m.get("groupId"), "measurement groupId"))
                column["class_title"].append(class_title)
                column["category_title"].append(category_title)
                column["value_raw"].append(value)
                column["value"].append(parse_number(value))
                column["spread_raw"].append(spread)
                column["spread"].append(parse_number(spread))
                column["lower_limit_raw"].append(lower)
                column["lower_limit"].append(parse_number(lower))
                column["upper_limit_raw"].append(upper)
                column["upper_limit"].append(parse_number(upper))
                column["comment"].append(m.get("comment"))


def _add_analyses(
    measure: dict[str, Any], nct_id: str, idx: int, column: Columns, unknown: list[str]
) -> None:
    for analysis_idx, a in enumerate(measure.get("analyses") or ()):
        p_value, param_value, dispersion = a.get("pValue"), a.get("paramValue"), a.get("dispersionValue")
        lower, upper = a.get("ciLowerLimit"), a.get("ciUpperLimit")
        ci_pct_raw = a.get("ciPctValue")
        ci_pct = parse_number(ci_pct_raw)
        if ci_pct is None and ci_pct_raw is not None:  # no raw column for it: report, do not drop
            unknown.append(f"ciPctValue={ci_pct_raw}")
        column["nct_id"].append(nct_id)
        column["outcome_idx"].append(idx)
        column["analysis_idx"].append(analysis_idx)
        column["group_ids"].append(str_list(a.get("groupIds"), "analyses.groupIds"))
        column["group_description"].append(a.get("groupDescription"))
        column["p_value_raw"].append(p_value)
        column["p_value"].append(parse_p_value(p_value))
        column["p_value_comment"].append(a.get("pValueComment"))
        column["statistical_method"].append(a.get("statisticalMethod"))
        column["statistical_comment"].append(a.get("statisticalComment"))
        column["param_type"].append(a.get("paramType"))
        column["param_value_raw"].append(param_value)
        column["param_value"].append(parse_number(param_value))
        column["dispersion_type"].append(a.get("dispersionType"))
        column["dispersion_value_raw"].append(dispersion)
        column["dispersion_value"].append(parse_number(dispersion))
        column["ci_pct_value"].append(ci_pct)
        column["ci_num_sides"].append(a.get("ciNumSides"))
        column["ci_lower_limit_raw"].append(lower)
        column["ci_lower_limit"].append(parse_number(lower))
        column["ci_upper_limit_raw"].append(upper)
        column["ci_upper_limit"].append(parse_number(upper))
        column["non_inferiority_type"].append(a.get("nonInferiorityType"))
        column["estimate_comment"].append(a.get("estimateComment"))
