"""Progress and notes: the library reports through dealgraph.report; the command line
draws bars on a terminal's stderr only, and --quiet silences everything."""

from __future__ import annotations

from dealgraph.cli import cli
from dealgraph.cli.progress import CliReporter
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import SEED_DIR, load_paths
from dealgraph.report import Reporter, Task, reporting


class Recorder(Reporter):
    def __init__(self):
        self.tasks, self.notes = [], []

    def note(self, text):
        self.notes.append(text)

    def task(self, description, total=None):
        rec = {"description": description, "total": total, "done": 0, "closed": False}
        self.tasks.append(rec)

        class T(Task):
            def advance(self, n=1):
                rec["done"] += n

            def close(self):
                rec["closed"] = True
        return T()


def test_a_load_reports_its_records_through_the_hook(tmp_path):
    rec = Recorder()
    with reporting(rec), EmbeddedStore(tmp_path / "s.db") as store:
        summary = load_paths(store, [SEED_DIR])
    loads = [t for t in rec.tasks if t["description"] == "loading records"]
    assert len(loads) == 1 and loads[0]["closed"]
    rows = sum(len(f.read_text(encoding="utf-8").splitlines()) - 1
               for f in SEED_DIR.glob("*.csv"))  # one record per data row
    assert loads[0]["done"] == rows and rows > summary.created > 0


def test_whole_graph_queries_and_exports_report_progress(tmp_path):
    from dealgraph.export import run_export
    from dealgraph.queries import run_saved_query
    rec = Recorder()
    with EmbeddedStore(tmp_path / "s.db") as store:
        load_paths(store, [SEED_DIR])
        with reporting(rec):
            run_saved_query(store, "summary", {})
            run_export(store, "json", tmp_path / "out.json")
    done = {t["description"]: (t["done"], t["total"], t["closed"]) for t in rec.tasks}
    pairs = done["components: party pairs"]
    assert pairs[0] == pairs[1] > 22 and pairs[2]  # every party pair of the 22 deals
    assert done["reading the network"][2]
    assert done["export json: selecting, writing"] == (2, 2, True)


def test_bars_only_on_a_terminal_and_never_when_quiet(capsys):
    with CliReporter(terminal=True).task("working", total=3) as t:
        t.advance(3)
    assert "working" in capsys.readouterr().err
    with CliReporter(terminal=False).task("working", total=3) as t:
        t.advance(3)
    with CliReporter(quiet=True, terminal=True).task("working", total=3) as t:
        t.advance(3)
    CliReporter(quiet=True).note("not shown")
    assert capsys.readouterr().err == ""
    CliReporter().note("shown")
    assert capsys.readouterr().err == "note: shown\n"


def test_the_cli_prints_notes_unless_quiet(runner, tmp_path):
    store = str(tmp_path / "s.db")
    assert runner.invoke(cli, ["load", str(SEED_DIR), "--store", store]).exit_code == 0
    args = ["query", "run", "partners", "-p", "entity=Huwei", "--store", store]
    loud = runner.invoke(cli, args)
    assert loud.stderr == "note: 'Huwei' taken as huawei (Huawei Technologies) (closest name)\n"
    quiet = runner.invoke(cli, ["--quiet"] + args)
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == loud.stdout
