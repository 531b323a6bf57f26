"""Rows from a study's posted results: outcome measures with their groups, values and analyses.

Results numbers are strings in the API ("12.5", "NA", "<0.001"): each keeps its raw text beside the
parsed float, so "NA" becomes a null number, not a lost value.
"""

from __future__ import annotations

from typing import Any

from pipeline.sources.ctgov.normalise.enums import check
from pipeline.sources.ctgov.normalise.numbers import parse_number, parse_p_value
from pipeline.sources.ctgov.normalise.rows import EMPTY, PageRows, required_id, str_list


def add_result_rows(results: dict[str, Any], nct_id: str, rows: PageRows, unknown: list[str]) -> None:
    measures = (results.get("outcomeMeasuresModule") or EMPTY).get("outcomeMeasures") or ()
    for idx, measure in enumerate(measures):
        rows.result_outcomes.append(
            (
                nct_id,
                idx,
                check("outcomeMeasures.type", measure.get("type"), unknown),
                measure.get("title"),
                measure.get("description"),
                measure.get("populationDescription"),
                measure.get("reportingStatus"),
                measure.get("paramType"),
                measure.get("dispersionType"),
                measure.get("unitOfMeasure"),
                measure.get("timeFrame"),
            )
        )
        _add_groups(measure, nct_id, idx, rows)
        _add_measurements(measure, nct_id, idx, rows)
        _add_analyses(measure, nct_id, idx, rows, unknown)


def _add_groups(measure: dict[str, Any], nct_id: str, idx: int, rows: PageRows) -> None:
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
    append = rows.result_groups.append
    for group in measure.get("groups") or ():
        group_id = required_id(group.get("id"), "outcome group id")
        title, description = group.get("title"), group.get("description")
        for units, raw in denoms.pop(group_id, None) or ((None, None),):
            append((nct_id, idx, group_id, title, description, units, raw, parse_number(raw)))
    for group_id, counts in denoms.items():
        for units, raw in counts:
            append((nct_id, idx, group_id, None, None, units, raw, parse_number(raw)))


def _add_measurements(measure: dict[str, Any], nct_id: str, idx: int, rows: PageRows) -> None:
    append = rows.result_measurements.append
    for klass in measure.get("classes") or ():
        class_title = klass.get("title")
        for category in klass.get("categories") or ():
            category_title = category.get("title")
            for m in category.get("measurements") or ():
                value, spread = m.get("value"), m.get("spread")
                lower, upper = m.get("lowerLimit"), m.get("upperLimit")
                append(
                    (
                        nct_id,
                        idx,
                        required_id(m.get("groupId"), "measurement groupId"),
                        class_title,
                        category_title,
                        value,
                        parse_number(value),
                        spread,
                        parse_number(spread),
                        lower,
                        parse_number(lower),
                        upper,
                        parse_number(upper),
                        m.get("comment"),
                    )
                )


def _add_analyses(measure: dict[str, Any], nct_id: str, idx: int, rows: PageRows, unknown: list[str]) -> None:
    for analysis_idx, a in enumerate(measure.get("analyses") or ()):
        p_value, param_value = a.get("pValue"), a.get("paramValue")
        lower, upper = a.get("ciLowerLimit"), a.get("ciUpperLimit")
        ci_pct_raw = a.get("ciPctValue")
        ci_pct = parse_number(ci_pct_raw)
        if ci_pct is None and ci_pct_raw is not None:  # no raw column for it: report, do not drop
            unknown.append(f"ciPctValue={ci_pct_raw}")
        rows.result_analyses.append(
            (
                nct_id,
                idx,
                analysis_idx,
                str_list(a.get("groupIds"), "analyses.groupIds"),
                p_value,
                parse_p_value(p_value),
                a.get("pValueComment"),
                a.get("statisticalMethod"),
                a.get("paramType"),
                param_value,
                parse_number(param_value),
                ci_pct,
                a.get("ciNumSides"),
                lower,
                parse_number(lower),
                upper,
                parse_number(upper),
                a.get("nonInferiorityType"),
                a.get("estimateComment"),
            )
        )
