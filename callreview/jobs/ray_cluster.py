"""Joining or starting the Ray cluster ``batch --ray`` scores on, and what the actors are given.

    connect(address) ─▶ a local cluster (``--ray local``), ``auto``, ``host:port`` or ``ray://…``
    check_room ─▶ refuse a pool the cluster can never place · absolute paths · forwarded env

Ray's own output is kept off the terminal (``log_to_driver=False``, no dashboard): the actors'
logs stay in the Ray session folder, and hold no transcript text.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from callreview.errors import CallreviewError, SettingsError

if TYPE_CHECKING:
    from callreview.settings import Settings

LOCAL = "local"
"""``--ray local``: start a Ray cluster on this machine for this batch, and stop it after."""
TEMP_DIR = "/tmp/callreview-ray"
"""Where a local cluster keeps its session (sockets need a short path); ``$RAY_TMPDIR`` wins."""
_log = logging.getLogger("callreview.ray")
_FORWARDED_ENV = ("CALLREVIEW_MODEL", "CALLREVIEW_CACHE", "CALLREVIEW_NO_TRIM")
"""Set on the driver, these reach the actors on every node too."""


class RayErrorsToLog:
    """Ray's driver prints the cluster's error events (``(raylet) A worker died…``) on standard
    output whatever ``log_to_driver`` says, which would break ``batch``'s output. While a run
    lasts they go to the ``callreview.ray`` logger at debug level instead; the pool says itself,
    in one line, when an actor died. (Ray's internals: if they change, Ray prints as before.)"""

    def __init__(self, ray: Any) -> None:
        self.module = getattr(getattr(ray, "_private", None), "worker", None)
        self.original = getattr(self.module, "print_to_stdstream", None)
        if self.original is None:
            return

        def to_log(data: dict, ignore_prefix: bool = False) -> None:
            for line in data.get("lines", ()):
                _log.debug("%s: %s", data.get("pid", "ray"), line)

        self.module.print_to_stdstream = to_log  # type: ignore[union-attr]

    def restore(self) -> None:
        if self.original is not None:
            self.module.print_to_stdstream = self.original  # type: ignore[union-attr]
            self.original = None


def import_ray() -> Any:
    os.environ.setdefault(
        "RAY_USAGE_STATS_ENABLED", "0"
    )  # offline by design: nothing leaves the site
    try:
        import ray  # the optional [ray] extra
    except ImportError:
        raise CallreviewError(
            "--ray needs Ray; install it with: pip install 'callreview[ray]'"
        ) from None
    return ray


def connect(ray: Any, address: str | None, cpus: int, gpus: int) -> bool:
    """Connect to (or start) the cluster; ``True`` when this call started the connection."""
    if ray.is_initialized():
        return False
    if (
        threading.current_thread() is threading.main_thread()
    ):  # ray.init sets its own SIGTERM handler: keep the caller's
        term = signal.getsignal(signal.SIGTERM)
        try:
            return _init(ray, address, cpus, gpus)
        finally:
            signal.signal(signal.SIGTERM, term)
    return _init(ray, address, cpus, gpus)


def _init(ray: Any, address: str | None, cpus: int, gpus: int) -> bool:
    quiet = dict(log_to_driver=False, logging_level=logging.WARNING, namespace="callreview")
    # Ray turns token authentication on for a local cluster or a token found here, and warns
    logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(
        logging.ERROR
    )
    if address in (None, "", LOCAL):
        ray.init(
            address=LOCAL,
            num_cpus=max(os.cpu_count() or 1, cpus),
            num_gpus=gpus or None,
            include_dashboard=False,
            object_store_memory=128 * 2**20,
            _temp_dir=os.environ.get("RAY_TMPDIR") or TEMP_DIR,
            **quiet,
        )
        return True
    _reachable(address)
    _token_if_any()
    try:
        ray.init(address=address, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CallreviewError(
            f"--ray {address}: cannot join the Ray cluster ({first}); "
            "start one with `ray start --head`, or check the address"
        ) from None
    return True


def _reachable(address: str) -> None:
    """A ``host:port`` nobody listens on is refused at once (Ray itself retries for minutes)."""
    if address == "auto" or "://" in address or ":" not in address:
        return
    host, _, port = address.rpartition(":")
    if not port.isdigit():
        raise CallreviewError(
            f"--ray {address}: not a Ray address; "
            "give host:port (the head's GCS port, 6379 by default), auto or local"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=10).close()
    except OSError as err:
        raise CallreviewError(
            f"--ray {address}: nothing answers there ({err.strerror or err}); "
            "start the head with `ray start --head`, or check the address"
        ) from None


def _token_if_any() -> None:
    """Use this machine's Ray token (``~/.ray/auth_token``, ``$RAY_AUTH_TOKEN``) for a cluster
    named by address, as Ray does for ``auto``: ``ray start`` turns token authentication on."""
    try:  # the optional [ray] extra, and a private module that older Rays lack
        from ray._private.authentication.authentication_token_setup import (
            maybe_enable_token_auth_if_token_available,
        )
    except ImportError:  # another Ray: it decides alone ($RAY_AUTH_MODE)
        return
    maybe_enable_token_auth_if_token_available(warn_if_disabled=False)


def check_room(ray: Any, address: str | None, workers: int, cpus: int, gpus: int) -> None:
    """Refuse a pool the cluster can never place (its actors would wait forever)."""
    have = ray.cluster_resources()
    where = (
        f"the Ray cluster at {address}"
        if address not in (None, "", LOCAL)
        else "the local Ray cluster"
    )
    if workers * cpus > have.get("CPU", 0):
        raise SettingsError(
            f"{where} has {have.get('CPU', 0):g} CPUs, "
            f"but --workers {workers} × --threads {cpus} need {workers * cpus}; "
            "lower --workers or --threads, or add nodes"
        )
    if workers * gpus > have.get("GPU", 0):
        raise SettingsError(
            f"{where} has {have.get('GPU', 0):g} GPUs, "
            f"but --workers {workers} with --device cuda need {workers * gpus}; "
            "lower --workers, or add GPU nodes"
        )


def absolute(settings: Settings) -> Settings:
    """Relative lexicon, scorecard and model paths as seen from here (actors run elsewhere)."""
    changes: dict[str, Any] = {}
    for name in ("lexicon", "scorecard", "model"):
        value = getattr(settings, name)
        if value and "://" not in value and not os.path.isabs(value) and os.path.exists(value):
            changes[name] = absolute_path(value)
    return replace(settings, **changes) if changes else settings


def absolute_path(path: str) -> str:
    return os.path.abspath(os.path.expanduser(path))


def runtime_env() -> dict[str, Any] | None:
    env = {name: os.environ[name] for name in _FORWARDED_ENV if name in os.environ}
    return {"env_vars": env} if env else None
