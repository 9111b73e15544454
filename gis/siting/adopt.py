"""Turn a saved scenario's proposed posts into *planned* posts, or discard the scenario.

Planned posts are ordinary ``police_posts`` rows with ``status = 'planned'`` and
``source = 'scenario:<name>'``: the map draws them dashed and the assessment leaves them out
until someone sets them active. Discarding removes the scenario and the planned posts it made.
"""

from __future__ import annotations

from gis.auth.policy import require
from gis.auth.principal import SYSTEM, Principal
from gis.errors import ValidationError
from gis.siting.config import SitingConfig
from gis.siting.posts import proposals_as_posts
from gis.siting.scenario import from_collection
from gis.store.scenarios import Scenario, delete_scenario, load_scenario

POST_SCENARIO_KINDS = ("office", "kiosk", "whatif")


def planned_source(name: str) -> str:
    """The ``source`` written on the planned posts of scenario ``name``."""
    return f"scenario:{name}"


def adopt_scenario(store, name: str, *, actor: str | None = None, config: SitingConfig | None = None,
                   principal: Principal = SYSTEM) -> list[str]:
    """Write the scenario's proposed posts as planned posts; returns their ids.

    ``principal`` is the acting account (``plan``, ``write`` on ``scenarios`` and on
    ``police_posts``: planners); ``actor`` defaults to its user name.

    Raises
    ------
    ValidationError
        Unknown scenario, or a kind without posts (cameras, 护学岗 officers).
    """
    require(principal, "plan")
    store._require(principal, "write", "scenarios")
    scenario: Scenario = load_scenario(store, name, principal=principal)
    if scenario.kind not in POST_SCENARIO_KINDS:
        msg = (f"方案“{scenario.name}”是{scenario.kind}方案，没有可转为规划警务点的点位 / scenario {scenario.name!r} "
               f"({scenario.kind}) has no posts to plan")
        raise ValidationError(msg)
    props = from_collection(scenario.result.get("proposals"))
    if "kind" in props.columns:
        props = props[props["kind"].isin(("office", "kiosk"))]
    if len(props) == 0:
        msg = f"方案“{scenario.name}”没有拟建点位 / scenario {scenario.name!r} proposes no sites"
        raise ValidationError(msg)
    config = config or SitingConfig()
    posts = proposals_as_posts(props.reset_index(drop=True), staff=config.new_post_staff, status="planned")
    posts["id"] = [f"plan-{scenario.id}-{k}" for k in range(1, len(posts) + 1)]
    posts["name"] = [f"{n}（规划·{scenario.name}）"[:120] for n in posts["name"]]
    store.write_layer("police_posts", posts, source=planned_source(scenario.name), actor=actor,
                      principal=principal)
    return posts["id"].tolist()


def discard_scenario(store, name: str, *, actor: str | None = None, principal: Principal = SYSTEM) -> int:
    """Delete the scenario and the planned posts made from it; returns the posts removed."""
    require(principal, "plan")
    store._require(principal, "write", "scenarios")
    scenario = load_scenario(store, name, principal=principal)
    posts = store.read_layer("police_posts")
    mine = posts[(posts["source"].astype(str) == planned_source(scenario.name))
                 & (posts["status"].astype(str) == "planned")] if len(posts) else posts
    removed = store.delete_rows("police_posts", mine["id"].astype(str).tolist(), actor=actor,
                                principal=principal) if len(mine) else 0
    delete_scenario(store, scenario.name, principal=principal, actor=actor)
    return int(removed)
