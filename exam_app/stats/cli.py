"""``flask --app wsgi stats item-analysis FILE.csv [--json]``: the item analysis of results
from outside the application (see ``outside``). It reads no database, so it runs before the
schema exists too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from exam_app.stats import outside

cli = AppGroup("stats", help="Cohort statistics and item analysis.")

#: 100,000 candidates x 1,000 items of "1," is 200 MB; refuse anything larger before reading.
MAX_FILE_BYTES = 256 * 1024 * 1024


@cli.command("item-analysis", with_appcontext=False)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def item_analysis(file: Path, as_json: bool) -> None:
    """Item analysis of FILE: a CSV with a header row, one row per candidate (first column: the
    candidate), one column per item holding 1, 0 or blank (blank: not on that paper)."""
    if file.stat().st_size > MAX_FILE_BYTES:
        raise click.UsageError(f"{file}: larger than {MAX_FILE_BYTES // 2**20} MiB")
    try:
        results = outside.parse(file.read_bytes())
    except outside.OutsideFileError as error:
        raise click.UsageError(f"{file}: {error}") from None
    report = outside.analyse(results)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, allow_nan=False))
    else:
        click.echo(readable(report))


#: the app's command registry wraps every other command in a schema check (``exam_app.cli``)
item_analysis.callback.reads_no_database = True  # type: ignore[union-attr]


def readable(report: dict[str, Any]) -> str:
    """The report as a table, one line per item, then the test's line."""
    width = max([4, *(len(row["item"]) for row in report["items"])])
    lines = [
        f"{'item':<{width}}  {'n':>6}  {'facility':>8}  {'pbis_rest':>9}  {'upper_lower':>11}"
        f"  {'rasch_b ± se':>15}  flags"
    ]
    for row in report["items"]:
        rasch_b = (
            f"{row['rasch_b']:.3f} ± {row['rasch_se']:.3f}"
            if row["rasch_b"] is not None and row["rasch_se"] is not None
            else (row["rasch_note"] or "")
        )
        lines.append(
            f"{row['item']:<{width}}  {row['n']:>6}  {_fixed(row['facility']):>8}"
            f"  {_fixed(row['pbis_rest']):>9}  {_fixed(row['upper_lower']):>11}"
            f"  {rasch_b:>15}  {', '.join(row['flags'])}"
        )
    test = report["test"]
    lines.append(
        f"test: n = {test['n']}, mean = {_fixed(test['mean'])}, median = {_fixed(test['median'])}"
        f", SD = {_fixed(test['sd'])}, alpha = {_fixed(test['alpha'])}"
        f", KR-20 = {_fixed(test['kr20'])}, SEM = {_fixed(test['sem'])}"
    )
    return "\n".join(lines)


def _fixed(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
