"""The ``dealgraph`` command group and the options and output helpers its commands share.

Each command module (``core``, ``query``, ``map``, ``export``) parses options,
calls one library function and formats its result; errors from the library
become one-line messages here.
"""

from __future__ import annotations

import functools
import json
import os
import re

import click

from .. import __version__
from ..errors import DealgraphError, LoadError, ParameterError
from ..graph.backends import BACKENDS, DEFAULT_STORE, Neo4jSettings, open_store


# -- shared options -------------------------------------------------------------

def store_options(func):
    """``--store``, ``--backend`` and the Neo4j connection flags, on every command.

    The password is read from NEO4J_PASSWORD (or asked for with
    ``--neo4j-password-prompt``), never taken as a command-line value.
    """
    @click.option("--store", "store_path", envvar="DEALGRAPH_STORE", metavar="PATH",
                  help="Embedded store file [env DEALGRAPH_STORE; default dealgraph.db].")
    @click.option("--backend", type=click.Choice(BACKENDS), envvar="DEALGRAPH_BACKEND",
                  help="Store to use [env DEALGRAPH_BACKEND; default embedded].")
    @click.option("--neo4j-uri", envvar="NEO4J_URI", metavar="URI",
                  help="bolt://, neo4j:// or neo4j+s:// URI [env NEO4J_URI].")
    @click.option("--neo4j-user", envvar="NEO4J_USER", metavar="USER",
                  help="Neo4j user [env NEO4J_USER; default neo4j].")
    @click.option("--neo4j-database", envvar="NEO4J_DATABASE", metavar="NAME",
                  help="Neo4j database [env NEO4J_DATABASE].")
    @click.option("--neo4j-password-prompt", is_flag=True,
                  help="Ask for the Neo4j password instead of reading NEO4J_PASSWORD.")
    @functools.wraps(func)
    def wrapper(*args, store_path, backend, neo4j_uri, neo4j_user, neo4j_database,
                neo4j_password_prompt, **kwargs):
        password = None
        if neo4j_password_prompt:
            password = click.prompt("Neo4j password", hide_input=True)
        settings = Neo4jSettings(neo4j_uri, neo4j_user, password, neo4j_database,
                                 notifications=output_flags()["verbose"])

        def opener(default_path=None, scratch_if_missing=False):
            """Open the store; with ``scratch_if_missing`` an embedded store file that
            does not exist yet is not created (an empty in-memory store stands in:
            a dry run leaves no file behind)."""
            path = store_path or default_path
            if scratch_if_missing and (backend or os.environ.get("DEALGRAPH_BACKEND")
                                       or "embedded").lower() == "embedded":
                real = path or os.environ.get("DEALGRAPH_STORE") or DEFAULT_STORE
                if real != ":memory:" and not os.path.exists(real):
                    path = ":memory:"
            return open_store(backend, path, settings)
        return func(*args, opener=opener, **kwargs)
    return wrapper


def output_flags() -> dict:
    """The root group's ``--quiet`` and ``--verbose`` for the running command."""
    ctx = click.get_current_context(silent=True)
    params = ctx.find_root().params if ctx is not None else {}
    return {"quiet": bool(params.get("quiet")), "verbose": bool(params.get("verbose"))}


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """``--kind a,b --kind c`` -> ``(a, b, c)``."""
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def selection_options(func):
    """``--focus``, ``--hops``, ``--kind``, ``--status``, ``--country``, ``--as-of``, ``--top``:
    how ``map`` and ``export`` select a subgraph. Passes ``selection`` (a Selection)."""
    from ..graph.select import MAX_HOPS, Selection

    @click.option("--focus", metavar="NAME", help="Centre on this entity (id, name or alias).")
    @click.option("--hops", type=int, default=1, show_default=True,
                  help=f"Counterparty steps around --focus (0-{MAX_HOPS}).")
    @click.option("--kind", "kinds", multiple=True, metavar="KIND",
                  help="Only deals of these kinds (repeat or comma-separate).")
    @click.option("--status", "statuses", multiple=True, metavar="STATUS",
                  help="Only deals with these statuses (repeat or comma-separate).")
    @click.option("--country", "countries", multiple=True, metavar="CC",
                  help="Only deals with a party in these countries (codes or names).")
    @click.option("--as-of", "as_of", metavar="DATE", help="Only deals in force on this date.")
    @click.option("--top", type=click.IntRange(min=1), metavar="N",
                  help="Only the N entities with the most deals in what is selected, and "
                       "the deals between them (the network's backbone).")
    @functools.wraps(func)
    def wrapper(*args, focus, hops, kinds, statuses, countries, as_of, top, **kwargs):
        selection = Selection(focus=focus, hops=hops, kinds=_split(kinds),
                              statuses=_split(statuses), countries=_split(countries),
                              as_of=as_of, top=top)
        return func(*args, selection=selection, **kwargs)
    return wrapper


def parse_params(pairs) -> dict[str, str]:
    """``-p key=value`` options as a dict; ParameterError on a pair without ``=``
    or a key given twice."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParameterError(f"-p {pair!r}: expected key=value")
        if key in out:
            raise ParameterError(f"{key}: given twice")
        out[key] = value
    return out


def format_option(*choices: str, default: str = "table"):
    return click.option("--format", "fmt", type=click.Choice(choices), default=default,
                        show_default=True, help="Output format.")


# Characters that would break "one line per error" or act on a terminal when an error
# message quotes hostile input: C0/C1 controls (newlines, ESC), line and paragraph
# separators, bidirectional overrides, and unpaired surrogates (not encodable).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                     "\ud800-\udfff]")


def one_line(text) -> str:
    """``text`` safe to print as one line of a terminal: unsafe characters become
    Python escapes (``\\n``, ``\\x1b``, ``\\ud800``)."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


# How the CLI spells the library's parameters when an error names one (see
# DealgraphError.render): the library says ``hops``, the CLI ``--hops``.
FLAGS = {"as_of": "--as-of", "hops": "--hops", "focus": "--focus", "kind": "--kind",
         "status": "--status", "country": "--country", "limit": "--limit", "top": "--top",
         "queries": "--queries", "write": "--write", "query": "--query", "params": "-p/--param",
         "p": "-p ", "mapping": "--mapping", "format": "--format", "paths": "PATHS",
         "target": "--store"}


class DealgraphGroup(click.Group):
    """Turns library errors into messages and exit codes instead of tracebacks."""

    def invoke(self, ctx):
        from ..report import reporting
        from .progress import CliReporter
        try:
            with reporting(CliReporter(quiet=bool(ctx.params.get("quiet")))):
                return super().invoke(ctx)
        except LoadError as exc:
            for problem in exc.problems:
                click.echo(f"error: {one_line(problem)}", err=True)
            n = len(exc.problems)
            click.echo(f"{n} problem{'s' if n != 1 else ''}; nothing was loaded.", err=True)
            if exc.hint:
                click.echo(exc.hint, err=True)
            ctx.exit(1)
        except DealgraphError as exc:
            click.echo(f"error: {one_line(exc.render(FLAGS))}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted; the store is as it was before this command.", err=True)
            ctx.exit(130)
        finally:
            if ctx.params.get("verbose"):
                from ..graph.notifications import summary
                line = summary()
                if line:
                    click.echo(f"note: {line}", err=True)


# -- commands -------------------------------------------------------------------

@click.group(cls=DealgraphGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dealgraph")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or notes on stderr.")
@click.option("-v", "--verbose", is_flag=True,
              help="Also summarise, in one line, the notifications Neo4j sent.")
def cli(quiet, verbose):
    """Graph database and relationship explorer for partnership networks of firms,
    governments and deals.

    Example: dealgraph demo --out demo/
    """



def print_mapping(result: dict, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, sort_keys=False))
        return
    width = max((len(k) for k in flat(result)), default=0)
    for key, value in flat(result).items():
        click.echo(f"{key:<{width}}  {value}")


def flat(result: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in result.items():
        if isinstance(value, dict) and value:
            out.update(flat(value, f"{prefix}{key}."))
        elif isinstance(value, dict):
            out[f"{prefix}{key}"] = "nothing"
        else:
            out[f"{prefix}{key}"] = value
    return out
