"""GPX and KML of one unit's route for handsets: numbered stop waypoints and the road track."""

from __future__ import annotations

from pathlib import Path

import gpxpy.gpx
import simplekml

from gis.reports.routemap import unit_colour
from gis.routing.plan import PatrolPlan
from gis.timewindows import format_clock, format_window


def _stop_label(seq: int, name: str) -> str:
    return f"{seq:02d} {name}"


def write_unit_gpx(plan: PatrolPlan, k: int, path: Path) -> Path:
    """GPX 1.1: the post and each stop as waypoints (``01 学校名`` …), the road path as a track."""
    p, route = plan.problem, plan.solution.routes[k]
    unit = p.units[route.unit]
    depot = p.depots[unit.depot]
    gpx = gpxpy.gpx.GPX()
    gpx.name = f"{unit.name} {format_window(p.shift)}"
    gpx.creator = "护校安园态势图"
    gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(latitude=depot.lat, longitude=depot.lon,
                                               name=f"00 {depot.name}", symbol="Flag",
                                               description=f"出发 {format_clock(route.leave)}"))
    for seq, v in enumerate(route.visits, start=1):
        stop = p.stops[v.stop]
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(
            latitude=stop.lat, longitude=stop.lon, name=_stop_label(seq, stop.name),
            comment=stop.task_zh, symbol="Waypoint",
            description=f"预计到达 {format_clock(v.arrival)}，停留 {round((v.departure - v.start) / 60)} 分钟"))
    track = gpxpy.gpx.GPXTrack(name=unit.name)
    gpx.tracks.append(track)
    for line in plan.legs[k]:
        segment = gpxpy.gpx.GPXTrackSegment()
        segment.points.extend(gpxpy.gpx.GPXTrackPoint(latitude=y, longitude=x) for x, y in line.coords)
        track.segments.append(segment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(gpx.to_xml(version="1.1"), encoding="utf-8")
    return path


def write_unit_kml(plan: PatrolPlan, k: int, path: Path) -> Path:
    """KML: a folder of numbered stop placemarks and the road path as one line per leg."""
    p, route = plan.problem, plan.solution.routes[k]
    unit = p.units[route.unit]
    depot = p.depots[unit.depot]
    kml = simplekml.Kml(name=f"{unit.name} {format_window(p.shift)}")
    stops = kml.newfolder(name="点位")
    post = stops.newpoint(name=f"00 {depot.name}", coords=[(depot.lon, depot.lat)])
    post.description = f"出发 {format_clock(route.leave)}，返回 {format_clock(route.back)}"
    for seq, v in enumerate(route.visits, start=1):
        stop = p.stops[v.stop]
        mark = stops.newpoint(name=_stop_label(seq, stop.name), coords=[(stop.lon, stop.lat)])
        mark.description = (f"预计到达 {format_clock(v.arrival)}，停留 "
                            f"{round((v.departure - v.start) / 60)} 分钟；{stop.task_zh}")
    lines = kml.newfolder(name="路线")
    colour = unit_colour(k).lstrip("#")
    for n, line in enumerate(plan.legs[k], start=1):
        leg = lines.newlinestring(name=f"第 {n} 段", coords=list(line.coords))
        leg.style.linestyle.width = 4
        leg.style.linestyle.color = f"ff{colour[4:6]}{colour[2:4]}{colour[0:2]}"  # aabbggrr
    path.parent.mkdir(parents=True, exist_ok=True)
    kml.save(str(path))
    return path
