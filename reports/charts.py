"""ECharts options built from dashboard data (pure; the page renders them with json_script).
Every chart has the same numbers in a table beside it, for printing and screen readers."""

from __future__ import annotations

from django.utils.translation import gettext as _

STATUS_COLORS = {
    "closed": "#198754",
    "submitted": "#0dcaf0",
    "in_progress": "#0d6efd",
    "open": "#6c757d",
    "overdue": "#dc3545",
}


def _bar(
    categories: list[str], series: list[dict], *, horizontal: bool = False, stack: bool = True
) -> dict:
    axis_cat = {"type": "category", "data": categories, "axisLabel": {"interval": 0}}
    axis_val = {"type": "value", "minInterval": 1}
    return {
        "animation": False,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": True},
        "xAxis": axis_val if horizontal else axis_cat,
        "yAxis": {**axis_cat, "inverse": True} if horizontal else axis_val,
        "series": [
            {"type": "bar", "stack": "total" if stack else None, **s, "barMaxWidth": 28}
            for s in series
        ],
    }


def county_charts(data: dict) -> dict:
    reviews = [row.label for row in data["rows"]]
    tallies = [row.tally for row in data["rows"]]
    units = data["by_unit"][:10]
    burndown = data["burndown"]
    return {
        "reviews": _bar(
            reviews,
            [
                {
                    "name": _("已销号"),
                    "data": [t.closed for t in tallies],
                    "color": STATUS_COLORS["closed"],
                },
                {
                    "name": _("已申请销号"),
                    "data": [t.submitted for t in tallies],
                    "color": STATUS_COLORS["submitted"],
                },
                {
                    "name": _("整改中"),
                    "data": [t.in_progress for t in tallies],
                    "color": STATUS_COLORS["in_progress"],
                },
                {
                    "name": _("未整改"),
                    "data": [t.total - t.closed - t.submitted - t.in_progress for t in tallies],
                    "color": STATUS_COLORS["open"],
                },
            ],
            horizontal=True,
        ),
        "units": _bar(
            [u["lead_name"] or _("未指定") for u in units],
            [
                {
                    "name": _("未销号"),
                    "data": [u["tally"].open - u["tally"].overdue for u in units],
                    "color": STATUS_COLORS["in_progress"],
                },
                {
                    "name": _("其中逾期"),
                    "data": [u["tally"].overdue for u in units],
                    "color": STATUS_COLORS["overdue"],
                },
            ],
            horizontal=True,
        ),
        "burndown": {
            "animation": False,
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8, "containLabel": True},
            "xAxis": {"type": "category", "data": [f"{d.year}-{d.month:02d}" for d, _ in burndown]},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [
                {
                    "type": "line",
                    "name": _("未销号问题"),
                    "data": [n for _, n in burndown],
                    "areaStyle": {"opacity": 0.15},
                    "step": "end",
                    "color": STATUS_COLORS["in_progress"],
                }
            ],
        },
        "indicators": {
            str(row.indicator.pk): {
                "animation": False,
                "grid": {"left": 4, "right": 4, "top": 4, "bottom": 4},
                "xAxis": {
                    "type": "category",
                    "show": False,
                    "data": [r.date.isoformat() for r in row.readings],
                },
                "yAxis": {
                    "type": "value",
                    "show": False,
                    "min": 0,
                    "max": float(row.indicator.plan),
                },
                "tooltip": {"trigger": "axis"},
                "series": [
                    {
                        "type": "line",
                        "data": [float(r.value) for r in row.readings],
                        "symbolSize": 5,
                        "color": "#dc3545" if row.below_red_line else "#0d6efd",
                    }
                ],
            }
            for row in data["indicators"]
            if len(row.readings) > 1
        },
    }


def province_charts(data: dict) -> dict:
    rows = data["rows"]
    names = [r.county.display_short_name for r in rows]
    red = data["red_line"]
    return {
        "progress": {
            "animation": False,
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "legend": {"top": 0},
            "grid": {"left": 8, "right": 24, "top": 32, "bottom": 8, "containLabel": True},
            "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0}},
            "yAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
            "series": [
                {
                    "type": "bar",
                    "name": _("投资完成率"),
                    "color": "#0d6efd",
                    "data": [_round(r.investment) for r in rows],
                    "markLine": {
                        "symbol": "none",
                        "lineStyle": {"color": "#dc3545", "type": "dashed"},
                        # Inside the plot, above the line's end: never clipped at the chart's edge.
                        "label": {"formatter": _red_line(red), "position": "insideEndTop"},
                        "data": [{"yAxis": red}],
                    },
                },
                {
                    "type": "bar",
                    "name": _("中央资金拨付率"),
                    "color": "#fd7e14",
                    "data": [_round(r.funds) for r in rows],
                },
            ],
        },
        "findings": _bar(
            names,
            _closeout_series(rows),
        ),
    }


def _red_line(red: float) -> str:
    # ECharts reads {…} in a formatter as a placeholder; the percent sign is literal.
    return _("红线 %(red)s%%") % {"red": f"{red:g}"}


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _closeout_series(rows) -> list[dict]:
    """Closed, open and overdue findings of each row (a county or a province)."""
    return [
        {
            "name": _("已销号"),
            "data": [r.tally.closed for r in rows],
            "color": STATUS_COLORS["closed"],
        },
        {
            "name": _("未销号"),
            "data": [r.tally.open - r.tally.overdue for r in rows],
            "color": STATUS_COLORS["in_progress"],
        },
        {
            "name": _("逾期"),
            "data": [r.tally.overdue for r in rows],
            "color": STATUS_COLORS["overdue"],
        },
    ]


def nation_charts(data: dict) -> dict:
    """The provinces in the table's order, as horizontal bars (thirty-odd names read better
    down the side than along the bottom)."""
    rows = data["rows"]
    names = [r.province.name for r in rows]
    red = data["red_line"]
    return {
        "findings": _bar(
            names,
            _closeout_series(rows),
            horizontal=True,
        ),
        "progress": {
            "animation": False,
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "legend": {"top": 0},
            "grid": {"left": 8, "right": 24, "top": 48, "bottom": 8, "containLabel": True},
            "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
            "yAxis": {
                "type": "category",
                "data": names,
                "inverse": True,
                "axisLabel": {"interval": 0},
            },
            "series": [
                {
                    "type": "bar",
                    "name": _("平均投资完成率"),
                    "color": "#0d6efd",
                    "barMaxWidth": 14,
                    "data": [_round(r.investment) for r in rows],
                    "markLine": {
                        "symbol": "none",
                        "lineStyle": {"color": "#dc3545", "type": "dashed"},
                        # At the top: at the bottom it would sit on the axis labels.
                        "label": {"formatter": _red_line(red), "position": "start"},
                        "data": [{"xAxis": red}],
                    },
                },
                {
                    "type": "bar",
                    "name": _("平均中央资金拨付率"),
                    "color": "#fd7e14",
                    "barMaxWidth": 14,
                    "data": [_round(r.funds) for r in rows],
                },
            ],
        },
    }
