"""Core commands: load, stats, demo."""

from __future__ import annotations

from pathlib import Path

import click

from ..demo import run_demo
from ..api import Graph
from ..errors import LoadError
from ..loaders import INPUT_FORMATS
from .main import cli, format_option, one_line, print_mapping, store_options


DRY_RUN_PROBLEMS = 20
SHOWN_WARNINGS = 20
SKIP_HINT = "Add --skip-bad-rows to load the valid rows and set these aside in a rejects file."


def _echo_warnings(warnings: list, limit: int | None) -> None:
    """Print warnings to stderr, the first ``limit`` of them (all if None)."""
    for problem in warnings[:limit]:
        click.echo(f"warning: {one_line(problem)}", err=True)
    if limit is not None and len(warnings) > limit:
        click.echo(f"{len(warnings)} warnings (the first {limit} shown; --dry-run lists them "
                   "all)", err=True)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--mapping", type=click.Path(path_type=Path), metavar="FILE",
              help="Read CSV / JSON Lines files through this mapping file (docs/mapping.md).")
@click.option("--format", "input_format", type=click.Choice(INPUT_FORMATS), default="native",
              show_default=True,
              help="Input format: native (dealgraph's own CSV/JSON/YAML datasets) or ftm "
                   "(FollowTheMoney entity streams).")
@click.option("--model-extension", type=click.Path(path_type=Path), metavar="FILE",
              help="A model extension file (extra deal kinds, roles, fields; docs/schema.md). "
                   "Default: model.yaml in a dataset directory, or the mapping's model:. "
                   "The store keeps it.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--dry-run", is_flag=True,
              help="Validate and report counts per type, the first problems and every "
                   "warning; write nothing.")
@click.option("--strict", is_flag=True,
              help="Treat warnings (implausible values that would be dropped) as errors.")
@click.option("--skip-bad-rows", is_flag=True,
              help="Load every valid row; set rows with errors (and rows that depend on "
                   "them) aside in a rejects file instead of loading nothing.")
@click.option("--rejects", type=click.Path(path_type=Path), metavar="PATH",
              help="With --skip-bad-rows: the CSV file for the rows set aside "
                   "[default: next to the first input, e.g. acq.rejects.csv].")
@store_options
def load(paths, mapping, input_format, model_extension, as_json, dry_run, strict, skip_bad_rows,
         rejects,
         opener):
    """Load datasets, FtM streams or mapped CSV / JSON Lines files into the store.

    PATHS are dealgraph's own datasets (directories or CSV/JSON/YAML files) by
    default; FollowTheMoney entity streams with --format ftm; any CSV or JSON
    Lines file with --mapping FILE (see docs/mapping.md); `-` reads standard
    input, and pipes and gzip'd files work too.

    Every problem in the input is reported with file, line and field; if there
    is any error, nothing is written. Implausible values in optional fields (a
    year 1201, an end before the start, a negative amount) are dropped with a
    warning instead; --strict makes them errors. With --skip-bad-rows the
    valid rows are loaded and the others written, unchanged and with the
    reason, to a rejects file. Loading the same data again changes nothing.

    Example: dealgraph load acquisitions.csv --mapping acquisitions.yaml
    """
    if mapping is not None and input_format != "native":
        raise click.UsageError("--mapping reads CSV / JSON Lines; it cannot be combined with "
                               f"--format {input_format}")
    if rejects is not None and not skip_bad_rows:
        raise click.UsageError("--rejects goes with --skip-bad-rows")
    fmt = "json" if as_json else "table"
    options = {"skip_bad_rows": skip_bad_rows} if dry_run else \
        {"skip_bad_rows": skip_bad_rows, "rejects": rejects}
    if model_extension is not None:
        options["model_extension"] = model_extension
    with opener(scratch_if_missing=dry_run) as store:
        try:
            result = Graph(store).load(list(paths), mapping=mapping, format=input_format,
                                       dry_run=dry_run, strict=strict, **options)
        except LoadError as exc:
            if exc.skippable and not skip_bad_rows:
                exc.hint = SKIP_HINT
            raise
    preview = summary = result
    if not dry_run:
        print_mapping(summary.as_dict(), fmt)
        _echo_warnings(summary.warnings, SHOWN_WARNINGS)
        return
    print_mapping(preview.as_dict(), fmt)
    _echo_warnings(preview.warnings, None)
    for problem in preview.set_aside[:DRY_RUN_PROBLEMS]:
        click.echo(f"set aside: {one_line(problem)}", err=True)
    if len(preview.set_aside) > DRY_RUN_PROBLEMS:
        click.echo(f"{preview.rows_set_aside} rows would be set aside (the first "
                   f"{DRY_RUN_PROBLEMS} problems shown)", err=True)
    if preview.problems:
        for problem in preview.problems[:DRY_RUN_PROBLEMS]:
            click.echo(f"error: {one_line(problem)}", err=True)
        n = len(preview.problems)
        more = f" (the first {DRY_RUN_PROBLEMS} shown)" if n > DRY_RUN_PROBLEMS else ""
        click.echo(f"{n} problem{'s' if n != 1 else ''}{more}; nothing would be loaded.",
                   err=True)
        raise click.exceptions.Exit(1)


@cli.command()
@format_option("table", "json")
@store_options
def stats(fmt, opener):
    """Count nodes by kind and relationships by type.

    Example: dealgraph stats --format json
    """
    with opener() as store:
        result = Graph(store).stats()
    print_mapping(result, fmt)


@cli.command()
@store_options
def migrate(opener):
    """Bring a store written by an earlier dealgraph up to date (on Neo4j: give dates their
    native DATE companions). Harmless when it is current; loading again does the same.

    Example: dealgraph migrate --backend neo4j
    """
    with opener() as store:
        changed = store.migrate()
    click.echo(f"Migrated: {changed} date values given native DATE companions." if changed else "Nothing to migrate.")


@cli.command()
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Directory for the demo's files (created if missing).")
@store_options
def demo(out_dir, opener):
    """Load the bundled seed dataset (Huawei, Xiaomi and their partners) and show it.

    Without --store the embedded store is DIR/dealgraph.db.

    Example: dealgraph demo --out demo/
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with opener(default_path=str(out_dir / "dealgraph.db")) as store:
        report = run_demo(store, out_dir)
    click.echo(report)
