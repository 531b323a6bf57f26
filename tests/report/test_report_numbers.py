"""The numbers on the page are the warehouse's: tiles, the per-class table, every chart's data, the trial
lists and the changes, each checked against SQL over evidence_trials / changes (and evidence, which must
agree with them)."""

from __future__ import annotations

from collections import Counter

from pipeline.report.labels import ENROLLMENT_BANDS
from tests.report.conftest import chart_values, number, select
from tests.report.report_warehouse import HOSTILE_NCT, NEW_NCT


def _classes(report) -> list[str]:
    return [c for (c,) in report.query("SELECT treatment_class FROM treatment_classes ORDER BY sort_order")]


def _per_class(report, sql: str) -> dict[str, int]:
    return dict(report.query(sql))


def test_overview_tiles_equal_the_warehouse(built_report):
    tree = built_report.tree
    tiles = {e.get("data-metric"): number(e.text_content()) for e in select(tree, "#overview .tile-value")}
    (expected,) = built_report.query(
        "SELECT (SELECT count(*) FROM trials), (SELECT count(DISTINCT nct_id) FROM evidence_trials), "
        "(SELECT count(*) FROM publications), (SELECT count(DISTINCT nct_id) FROM trial_publications)"
    )
    assert tiles == dict(
        zip(
            ("n_trials_total", "n_trials_classified", "n_publications", "n_trials_with_publications"),
            expected,
            strict=True,
        )
    )
    assert tiles["n_trials_total"] == 6


def test_class_table_reconciles_with_evidence_trials_and_evidence(built_report):
    trials = _per_class(built_report, "SELECT treatment_class, count(*) FROM evidence_trials GROUP BY 1")
    evidence = _per_class(built_report, "SELECT treatment_class, sum(n_trials) FROM evidence GROUP BY 1")
    results = _per_class(
        built_report,
        "SELECT treatment_class, count(*) FILTER (WHERE has_results) FROM evidence_trials GROUP BY 1",
    )
    groups = {
        (c, g): n
        for c, g, n in built_report.query(
            "SELECT treatment_class, status_group, count(*) FROM evidence_trials GROUP BY 1, 2"
        )
    }
    rows = select(built_report.tree, "#class-summary tbody tr")
    assert [r.get("data-class") for r in rows] == _classes(built_report)
    for row in rows:
        name = row.get("data-class")
        cells = {td.get("data-metric"): number(td.text_content()) for td in select(row, "td")}
        assert cells["n_trials"] == trials.get(name, 0) == evidence[name], name
        assert cells["n_with_results"] == results.get(name, 0), name
        for group in ("ongoing", "completed", "ended_early"):
            assert cells[group] == groups.get((name, group), 0), (name, group)
    assert trials == {"cgrp": 4, "cgrp_mab": 2, "gepant": 2, "tnf_inhibitor": 1, "meglitinide": 1}


def test_class_sections_show_the_class_totals(built_report):
    tree = built_report.tree
    trials = _per_class(built_report, "SELECT treatment_class, count(*) FROM evidence_trials GROUP BY 1")
    published = _per_class(
        built_report,
        "SELECT treatment_class, count(*) FILTER (WHERE len(linked_pmids) > 0) FROM evidence_trials "
        "GROUP BY 1",
    )
    for name in _classes(built_report):
        (section,) = select(tree, f"#class-{name}")
        metrics = {e.get("data-metric"): e.text_content() for e in select(section, "[data-metric]")}
        if name not in trials:
            assert "no_trials" in metrics and "n_trials" not in metrics, name
            continue
        assert number(metrics["n_trials"]) == trials[name], name
        assert number(metrics["n_with_publication"]) == published[name], name
    (enrolled,) = built_report.query(
        "SELECT sum(enrollment) FROM evidence_trials WHERE treatment_class = 'cgrp'"
    )
    (section,) = select(tree, "#class-cgrp")
    assert number(select(section, '[data-metric="total_enrollment"]')[0].text_content()) == enrolled[0]


def test_overview_charts_sum_to_the_class_counts(built_report):
    charts = built_report.payload["charts"]
    labels = dict(built_report.query("SELECT label, treatment_class FROM treatment_classes"))
    expected = _per_class(built_report, "SELECT treatment_class, count(*) FROM evidence_trials GROUP BY 1")
    by_group = Counter(
        {
            (c, g): n
            for c, g, n in built_report.query(
                "SELECT treatment_class, status_group, count(*) FROM evidence_trials GROUP BY 1, 2"
            )
        }
    )
    for chart, field in (("overview-status", "status"), ("overview-phase", "phase")):
        totals: Counter[str] = Counter()
        for row in chart_values(charts[chart]):
            totals[labels[row["class_label"].removeprefix("↳ ")]] += row["n_trials"]
        assert dict(totals) == expected, chart
        assert all(row[field] for row in chart_values(charts[chart]))
    status_rows = chart_values(charts["overview-status"])
    ongoing = {
        labels[r["class_label"].removeprefix("↳ ")]: r["n_trials"]
        for r in status_rows
        if r["status"] == "Ongoing"
    }
    assert ongoing == {c: n for (c, g), n in by_group.items() if g == "ongoing"}


def test_class_charts_match_the_trials(built_report):
    charts = built_report.payload["charts"]
    for name, n_trials in built_report.query(
        "SELECT treatment_class, count(*) FROM evidence_trials GROUP BY 1"
    ):
        grid = chart_values(charts[f"{name}-phase-status"])
        assert sum(r["n_trials"] for r in grid) == n_trials, name
        (dated,) = built_report.query(
            "SELECT count(*) FROM evidence_trials WHERE treatment_class = ? AND start_date IS NOT NULL", name
        )
        if dated[0]:
            assert sum(r["n_trials"] for r in chart_values(charts[f"{name}-start-years"])) == dated[0], name
        else:
            assert f"{name}-start-years" not in charts
        enrollments = [
            e
            for (e,) in built_report.query(
                "SELECT enrollment FROM evidence_trials WHERE treatment_class = ? AND enrollment IS NOT NULL",
                name,
            )
        ]
        bands = {r["band"]: r["n_trials"] for r in chart_values(charts[f"{name}-enrollment"])}
        expected = Counter(
            next(label for low, label in reversed(ENROLLMENT_BANDS) if e >= low) for e in enrollments
        )
        assert {b: n for b, n in bands.items() if n} == dict(expected), name
        assert list(bands) == [label for _, label in ENROLLMENT_BANDS], "every band is drawn, in order"


def test_trial_lists_hold_exactly_the_class_trials(built_report):
    payload = built_report.payload
    dataset = payload["datasets"]["trials"]
    keys = [c["key"] for c in dataset["columns"]]
    for name in _classes(built_report):
        expected = {
            n
            for (n,) in built_report.query(
                "SELECT nct_id FROM evidence_trials WHERE treatment_class = ?", name
            )
        }
        table = payload["tables"].get(f"trials-{name}")
        if not expected:
            assert table is None, name
            continue
        got = {dataset["rows"][i][keys.index("nct_id")] for i in table["rows"]}
        assert got == expected, name
    assert (
        len(dataset["rows"]) == built_report.query("SELECT count(DISTINCT nct_id) FROM evidence_trials")[0][0]
    )


def test_changes_per_class_equal_the_changes_view(built_report):
    tree = built_report.tree
    expected = Counter(
        {
            (c, kind): n
            for c, kind, n in built_report.query(
                "SELECT treatment_class, change, count(*) FROM changes "
                "WHERE treatment_class IS NOT NULL GROUP BY 1, 2"
            )
        }
    )
    assert expected[("gepant", "added")] == 1 and expected[("gepant", "changed")] == 1
    for name in _classes(built_report):
        (block,) = select(tree, f"#class-{name} .changes")
        shown = {e.get("data-metric"): e.text_content() for e in select(block, "[data-metric]")}
        if not any(expected[(name, k)] for k in ("added", "changed", "removed")):
            assert "no_changes" in shown, name
            continue
        for kind in ("added", "changed", "removed"):
            assert number(shown[kind]) == expected[(name, kind)], (name, kind)
        rows = built_report.payload["tables"][f"changes-{name}"]["rows"]
        assert len(rows) == sum(expected[(name, k)] for k in ("added", "changed", "removed"))
    gepant = {r[1]: r[3] for r in built_report.payload["tables"]["changes-gepant"]["rows"]}
    assert gepant["NCT01613248"] == "Status: Active, not recruiting → Completed"
    assert gepant[NEW_NCT] == "New since the previous run"
    overview = {
        e.get("data-metric"): number(e.text_content()) for e in select(tree, "#overview .since strong")
    }
    totals = dict(built_report.query("SELECT change, count(*) FROM trial_changes GROUP BY 1"))
    assert overview == {k: totals.get(k, 0) for k in ("added", "changed", "removed")}


def test_summary_counts_what_was_written(built_report):
    summary = built_report.summary
    assert summary.n_trials == 6 and summary.n_classes == 6
    assert summary.n_charts == len(built_report.payload["charts"])
    assert HOSTILE_NCT in built_report.data_block


def test_every_chart_is_valid_vega_lite(built_report):
    """The report writes its specs as plain dicts, unchecked (for speed); every spec it wrote must pass the
    Vega-Lite schema (Altair's copy, of the Vega-Lite major version the specs name)."""
    import altair as alt
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema.core import load_schema

    from pipeline.report.charts import SCHEMA_URL, VEGA_LITE_VERSION

    assert alt.SCHEMA_VERSION.lstrip("v").split(".")[0] == VEGA_LITE_VERSION.split(".")[0]
    schema = load_schema()
    charts = built_report.payload["charts"]
    kinds = {name.rsplit("-", 1)[-1] if not name.startswith("overview") else name for name in charts}
    assert kinds >= {"overview-status", "overview-phase", "status", "years", "enrollment"}
    for spec in charts.values():
        assert spec["$schema"] == SCHEMA_URL
        validate_jsonschema(spec, schema)


# -- effects: the demo's records with their transcribed results (tests/report/effects_warehouse.py) ------

MINUS = "\u2212"
EN_DASH = "\u2013"
EFFECTS_SQL = """
SELECT p.treatment_class, p.endpoint_code, p.population, p.n_trials, p.n_comparisons, p.n_participants,
       p.effect_measure, p.estimate, p.ci_lower, p.ci_upper, p.prediction_lower, p.prediction_upper, p.i2,
       e.higher_is_better
FROM class_effects AS p JOIN endpoints AS e USING (endpoint_code)
"""


def _two(x: float | None) -> str:
    return EN_DASH if x is None else f"{x:.2f}".replace("-", MINUS)


def _range(low: float | None, high: float | None) -> str:
    return EN_DASH if low is None else f"{_two(low)} to {_two(high)}"


def _reading(measure: str, low: float, high: float, higher_is_better: bool) -> str:
    null = 1.0 if measure == "risk_ratio" else 0.0
    if low <= null <= high:
        return "No clear difference"
    better_side = high < null if not higher_is_better else low > null
    return "Favours active" if better_side else "Favours control"


def _shown_effects(report) -> dict[tuple[str, str, str], dict[str, str]]:
    shown = {}
    for table in select(report.tree, "table[data-effects]"):
        for row in select(table, "tbody tr"):
            key = (table.get("data-effects"), row.get("data-endpoint"), row.get("data-population"))
            shown[key] = {
                e.get("data-metric"): e.text_content().strip() for e in select(row, "[data-metric]")
            }
    return shown


def test_each_class_effect_is_shown_with_the_warehouse_numbers(effects_report):
    expected = effects_report.query(EFFECTS_SQL)
    shown = _shown_effects(effects_report)
    assert set(shown) == {r[:3] for r in expected}
    assert ("cgrp_antibody", "mmd_change", "episodic") in shown, "the demo pools two CGRP antibody trials"
    for cls, code, pop, k, comparisons, n, measure, est, low, high, p_low, p_high, i2, higher in expected:
        cells = shown[(cls, code, pop)]
        assert number(cells["n_trials"]) == k, (cls, code, pop)
        assert number(cells.get("n_comparisons", str(k))) == comparisons, (cls, code, pop)
        assert cells["n_participants"] == (EN_DASH if n is None else f"{n:,}"), (cls, code, pop)
        assert cells["estimate"] == _two(est) and cells["ci"] == _range(low, high), (cls, code, pop)
        assert cells["prediction"] == _range(p_low, p_high), (cls, code, pop)
        assert cells["i2"] == (EN_DASH if i2 is None else f"{i2:.0f}%"), (cls, code, pop)
        assert cells["better"] == ("higher is better" if higher else "lower is better"), (cls, code, pop)
        assert cells["reading"] == _reading(measure, low, high, higher), (cls, code, pop)


def test_classes_without_effects_say_so_and_classes_without_trials_show_no_effects_block(effects_report):
    with_effects = {c for (c,) in effects_report.query("SELECT DISTINCT treatment_class FROM class_effects")}
    with_trials = {c for (c,) in effects_report.query("SELECT DISTINCT treatment_class FROM evidence_trials")}
    assert with_trials - with_effects, "the demo has classes whose trials posted nothing usable"
    for name in _classes(effects_report):
        (section,) = select(effects_report.tree, f"#class-{name}")
        blocks = select(section, ".effects")
        if name not in with_trials:
            assert blocks == [], name
            continue
        (block,) = blocks
        said = select(block, '[data-metric="no_effects"]')
        assert bool(said) == (name not in with_effects), name
        if said:
            assert "No effect estimates: no results mapped to an endpoint yet" in said[0].text_content()


def test_a_forest_plot_per_pool_of_two_trials_is_the_nightly_plot(effects_report):
    report_dir = effects_report.summary.path.parent
    nightly = effects_report.settings.storage.data_dir / "plots"
    pools = effects_report.query(
        "SELECT treatment_class, endpoint_code, population, n_trials FROM class_effects"
    )
    for cls, code, pop, k in pools:
        (section,) = select(effects_report.tree, f"#class-{cls}")
        figures = select(section, f'figure[data-plot="{code}-{pop}"]')
        if k < 2:
            assert figures == [], (cls, code, pop)
            continue
        (img,) = select(figures[0], "img")
        name = f"{cls}__{code}__{pop}.svg"
        assert img.get("src") == f"plots/{name}" and img.get("alt").startswith("Forest plot: ")
        assert (report_dir / "plots" / name).read_bytes() == (nightly / name).read_bytes()
    assert effects_report.summary.n_plots == sum(k >= 2 for *_, k in pools) >= 2
    assert "<svg" not in effects_report.html, "plots are images, never inline SVG in the page"


def test_primary_endpoints_are_counted_per_canonical_endpoint(effects_report):
    labels = dict(effects_report.query("SELECT endpoint_code, label FROM endpoints"))
    expected = {
        (c, code): n
        for c, code, n in effects_report.query(
            "SELECT e.treatment_class, u.code, count(DISTINCT e.nct_id) "
            "FROM evidence_trials AS e, unnest(e.primary_endpoints) AS u(code) GROUP BY 1, 2"
        )
    }
    shown = {}
    for name in _classes(effects_report):
        for li in select(effects_report.tree, f"#class-{name} .endpoints li[data-endpoint]"):
            code = li.get("data-endpoint")
            assert select(li, ".endpoint")[0].text_content() == labels[code]
            shown[(name, code)] = number(select(li, '[data-metric="n_trials"]')[0].text_content().split()[0])
    assert shown == expected and ("cgrp_antibody", "mmd_change") in shown


def test_trial_lists_carry_each_class_match_strength_and_each_trial_primary_effect(effects_report):
    payload = effects_report.payload
    dataset = payload["datasets"]["trials"]
    keys = [c["key"] for c in dataset["columns"]]
    endpoints = next(c for c in dataset["columns"] if c["key"] == "effect")["labels"]
    codes = dict(effects_report.query("SELECT label, endpoint_code FROM endpoints"))
    rows = effects_report.query(
        "SELECT treatment_class, nct_id, match_strength, primary_endpoints, primary_effect_endpoint, "
        "primary_effect_measure, primary_effect_estimate, primary_effect_ci_lower, primary_effect_ci_upper "
        "FROM evidence_trials"
    )
    n_effects = 0
    for cls, nct, strength, primary, endpoint, measure, est, low, high in rows:
        table = payload["tables"][f"trials-{cls}"]
        (own_column,) = table["own"]["columns"]
        position = [dataset["rows"][i][keys.index("nct_id")] for i in table["rows"]].index(nct)
        row = dataset["rows"][table["rows"][position]]
        assert own_column["labels"][table["own"]["values"][position][0]].lower().startswith(strength[:4])
        assert [codes[endpoints[i]] for i in row[keys.index("endpoints")]] == list(primary)
        effect = row[keys.index("effect")]
        if est is None:
            assert effect is None, nct
            continue
        n_effects += 1
        assert codes[endpoints[effect[0]]] == endpoint and effect[1] == (measure == "risk_ratio")
        assert effect[2:] == [round(est, 4), round(low, 4), round(high, 4)], nct
    assert n_effects >= 5
