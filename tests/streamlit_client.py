"""A page view of the running app without a browser: Streamlit's own websocket protocol.

``open_page(url, token=...)`` asks the server for what a browser with a warm cache asks for
one page view: the page (``/``), ``health`` and ``host-config``, Streamlit's websocket
(``/_stcore/stream``, the session cookie in its headers) with the page's rerun request
(``BackMsg`` protobuf), reading every ``ForwardMsg`` until the run has finished; once the
map's component message has arrived, the component's ``index.html`` and every script and
style sheet the map links are fetched whole (as if not cached: more than a warm browser asks).
What a browser then does with them, drawing the map, runs on each viewer's own machine.

Used by ``tests/test_app_scale.py`` (eight sessions at once each get the map) and by
``bench/bench_app_scale.py`` (the server's share of a page view, one and eight at once).
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

MAP_COMPONENT = "streamlit_folium.st_folium"
COOKIE = "hx_session"    # gis.ui.session_route.COOKIE (not imported: a benchmarked old checkout may lack it)
_HTTP = ThreadPoolExecutor(max_workers=64)   # the clients' HTTP requests, never queued here


@dataclass
class PageView:
    """One page view: seconds until the map and its files had arrived (inf: no map), bytes
    received, the map component's arguments, and the texts of any exception the page showed."""

    map_s: float
    nbytes: int
    map_args: dict = field(default_factory=dict)
    exceptions: list[str] = field(default_factory=list)


async def _get(url: str, timeout: float) -> int:
    def fetch() -> int:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return len(r.read())
    return await asyncio.get_running_loop().run_in_executor(_HTTP, fetch)


async def open_page(url: str, *, token: str | None = None, timeout: float = 120.0) -> PageView:
    """Open the app's default page at ``url`` as a signed-in browser (``token``: a session token,
    ``gis.auth.accounts.authenticate``) would. Network failures and timeouts give ``map_s`` inf."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    origin = url.rstrip("/")
    headers = {"Origin": origin, **({"Cookie": f"{COOKIE}={token}"} if token else {})}
    view = PageView(float("inf"), 0)
    t0 = time.perf_counter()

    async def fetch_all(links: list[str]) -> None:
        view.nbytes += sum(await asyncio.gather(*(_get(link, timeout) for link in links)))
        view.map_s = time.perf_counter() - t0

    files = None
    try:
        for path in ("/", "/_stcore/health", "/_stcore/host-config"):
            view.nbytes += await _get(origin + path, timeout)
        async with websockets.connect(origin.replace("http", "ws", 1) + "/_stcore/stream",
                                      subprotocols=["streamlit"], additional_headers=headers,
                                      max_size=None, compression=None, open_timeout=timeout) as ws:
            rerun = BackMsg()
            rerun.rerun_script.query_string = ""
            rerun.rerun_script.page_script_hash = ""
            rerun.rerun_script.context_info.timezone = "Asia/Shanghai"
            rerun.rerun_script.context_info.url = url
            await ws.send(rerun.SerializeToString())
            while True:
                raw = await asyncio.wait_for(ws.recv(), timeout)
                view.nbytes += len(raw)
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                kind = msg.WhichOneof("type")
                if kind == "script_finished":
                    break
                if kind != "delta" or msg.delta.WhichOneof("type") != "new_element":
                    continue
                element = msg.delta.new_element
                if element.WhichOneof("type") == "exception":
                    view.exceptions.append(element.exception.message)
                instance = element.component_instance
                if element.WhichOneof("type") == "component_instance" and files is None \
                        and instance.component_name == MAP_COMPONENT:
                    view.map_args = json.loads(instance.json_args)
                    links = [f"{origin}/component/{MAP_COMPONENT}/index.html"] + [
                        urllib.parse.urljoin(origin + "/", link)
                        for link in (*view.map_args.get("js_links", []), *view.map_args.get("css_links", []))]
                    files = asyncio.ensure_future(fetch_all(links))
            if files is not None:
                await files
    except (OSError, websockets.exceptions.WebSocketException):   # TimeoutError is an OSError
        if files is not None:
            files.cancel()
        view.map_s = float("inf")
    return view
