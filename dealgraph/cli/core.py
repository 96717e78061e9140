"""Core commands: load, stats, demo."""

from __future__ import annotations

from pathlib import Path

import click

from ..demo import run_demo
from ..loaders import check_paths, load_paths
from .main import cli, format_option, print_mapping, store_options


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and report counts; write nothing.")
@format_option("table", "json")
@store_options
def load(paths, dry_run, fmt, opener):
    """Load datasets (directories or CSV/JSON/YAML files) into the store.

    Every problem in the input is reported with file, line and field; if there
    is any, nothing is written. Loading the same data again changes nothing.

    Example: dealgraph load mydata/
    """
    with opener() as store:
        if dry_run:
            result = {"would_load": check_paths(store, list(paths)).counts()}
        else:
            result = load_paths(store, list(paths)).as_dict()
    print_mapping(result, fmt)


@cli.command()
@format_option("table", "json")
@store_options
def stats(fmt, opener):
    """Count nodes by kind and relationships by type.

    Example: dealgraph stats --format json
    """
    with opener() as store:
        result = store.stats()
    print_mapping(result, fmt)


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
