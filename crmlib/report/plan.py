"""Plan a report run: which notebooks, for which teams, with which parameters.

Everything is validated before anything runs: an unknown team, topic or parameter raises
:class:`~crmlib.exceptions.ParamsError` and no report is produced.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from crmlib import config
from crmlib.exceptions import ParamsError
from crmlib.params import SLUG, load_params, load_specs, team_slugs

__all__ = ["NOTEBOOKS_DIR", "Job", "discover_topics", "notebook_parameters", "plan_jobs",
           "resolve_as_of"]

log = logging.getLogger("crmlib.report")
NOTEBOOKS_DIR = config.PROJECT_ROOT / "notebooks"


@dataclass(frozen=True)
class Job:
    """One report: a topic notebook for a team, with the parameters it receives.

    Attributes
    ----------
    team : str
        The team's slug (its params file name): safe as a path component.
    topic : str
        The notebook's stem, e.g. ``10_dashboard``.
    notebook : Path
        The topic notebook to execute.
    parameters : dict
        The parameters the notebook declares, with this team's values.
    """

    team: str
    topic: str
    notebook: Path
    parameters: dict


def discover_topics(notebooks_dir: Path | None = None) -> list[str]:
    """Return the stems of the topic notebooks (``NN_name.ipynb``) in numeric order.

    ``05_...`` comes before ``10_...``, which comes before ``100_...``.

    Parameters
    ----------
    notebooks_dir : Path, optional
        The folder of the topic notebooks; default ``notebooks/``.

    Returns
    -------
    list of str
        The topic stems, e.g. ``["05_data_quality", "10_dashboard", ...]``.
    """
    folder = notebooks_dir or NOTEBOOKS_DIR
    stems = [p.stem for p in folder.glob("[0-9]*_*.ipynb")]
    return sorted(stems, key=lambda s: (int(s.split("_", 1)[0]), s))


def notebook_parameters(path: Path) -> dict[str, dict]:
    """Return the parameters a notebook declares in its ``parameters`` cell.

    Parameters
    ----------
    path : Path
        The notebook.

    Returns
    -------
    dict
        Parameter name -> papermill's description (type, default and help).
    """
    import papermill

    return papermill.inspect_notebook(str(path))


def plan_jobs(*, teams=None, topics=None, overrides=None, notebooks_dir=None,
              params_dir=None) -> list[Job]:
    """Validate teams, topics and parameters up front and return one job per (team, topic).

    Each notebook receives the parameters it declares, from defaults, the team file and the
    overrides. A notebook declaring a parameter that ``params/defaults.yaml`` does not know is an
    error (papermill itself would only warn).

    Parameters
    ----------
    teams : list of str, optional
        Team slugs (``params/teams/*.yaml``); default all.
    topics : list of str, optional
        Topic stems; default all in ``notebooks_dir``.
    overrides : dict, optional
        Parameter values that override every team's file.
    notebooks_dir : Path, optional
        The folder of the topic notebooks; default ``notebooks/``.
    params_dir : Path, optional
        The parameters folder; default ``params/``.

    Returns
    -------
    list of Job
        One job per team and topic, teams in the order given.

    Raises
    ------
    ParamsError
        An unknown topic, no or an invalid team, or a parameter unknown to
        ``params/defaults.yaml``.
    """
    notebooks_dir = notebooks_dir or NOTEBOOKS_DIR
    known_topics = discover_topics(notebooks_dir)
    topics = list(topics or known_topics)
    for t in topics:
        if t not in known_topics:
            import difflib

            hint = difflib.get_close_matches(t, known_topics, n=1)
            raise ParamsError(f"unknown topic `{t}`" + (f"; did you mean `{hint[0]}`?" if hint
                                                         else "")
                              + f" Topics: {', '.join(known_topics)}.")
    teams = list(teams or team_slugs(params_dir))
    if not teams:
        raise ParamsError("no teams: add params/teams/<team>.yaml files.")
    specs = load_specs((params_dir or config.PARAMS_DIR) / "defaults.yaml")
    declared = {}
    for t in topics:
        path = notebooks_dir / f"{t}.ipynb"
        declared[t] = notebook_parameters(path)
        unknown = sorted(set(declared[t]) - set(specs))
        if unknown:
            raise ParamsError(f"{path}: parameter(s) {unknown} are not in params/defaults.yaml; "
                              "declare them there (type, default, help).")
    jobs = []
    for team in teams:
        if not SLUG.match(team):
            raise ParamsError(f"team `{team}` is not a valid team file name.")
        values = load_params(team, overrides=overrides, params_dir=params_dir)
        for t in topics:
            params = {k: values[k] for k in declared[t]}
            jobs.append(Job(team, t, notebooks_dir / f"{t}.ipynb", params))
    return jobs


def resolve_as_of(jobs: list[Job]) -> list[Job]:
    """Fill a missing ``as_of`` with the data's last event date, once per data source.

    A source that cannot be read keeps ``as_of=None``: that team's reports then fail on their
    own error pages.

    Parameters
    ----------
    jobs : list of Job
        The planned jobs.

    Returns
    -------
    list of Job
        The same jobs, in order, with ``as_of`` filled where it was ``None``.
    """
    from crmlib.data.connect import connect

    cache: dict = {}
    out = []
    for j in jobs:
        if "as_of" in j.parameters and j.parameters["as_of"] is None:
            src = j.parameters.get("source")
            if src not in cache:
                try:
                    with connect(src) as crm:
                        cache[src] = crm.last_event_date().date().isoformat()
                except Exception:  # noqa: BLE001 - this team's reports fail on their own pages
                    log.warning("cannot read %s to find its last event date", src, exc_info=True)
                    cache[src] = None
            if cache[src] is not None:
                j = Job(j.team, j.topic, j.notebook, {**j.parameters, "as_of": cache[src]})
        out.append(j)
    return out
