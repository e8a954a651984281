"""numexpr: the diffusion step as one numexpr expression, evaluated by numexpr's own threads."""
from ..cases import Labels, in_place
from .record import Cost, Glue, Peer


def start(peers, jobs):
    try:
        from . import numexpr_diffusion
    except ImportError as error:
        peers.skipped.append(f"numexpr: cannot import it ({error}); pip install numexpr")
        return
    peers.numexpr = numexpr_diffusion.evolve


def evolve(case):
    if not (case.every_peer and case.peers.numexpr):
        return []
    return [in_place(Labels.NUMEXPR, "numexpr", case.peers.numexpr, case.fixed, note="numexpr's own threads",
                     path="numexpr")]


def gil_calls(peers, inputs):
    return {"numexpr (evolve 4096²)": lambda: peers.numexpr(inputs.grid, inputs.out, 0.1, 0.9)}


PEER = Peer("numexpr", "numexpr", "#8fb0d8", start=start, evolve=evolve, gil_calls=gil_calls,
            costs=(Cost("numexpr", Glue("none: one expression string", 1), gil_released="yes", threads="own pool"),))
