"""OpenCL: the kernels in OpenCL C (opencl_kernels.cl), run through PyOpenCL on the first OpenCL device found
(a CPU device where pocl provides one; CEXT_OPENCL_DEVICE picks another). Two rows each: NumPy arrays in and
out, paying the copies to and from the device on every call, and arrays already on the device."""
from ..cases import MAXITER, Contender, filling, in_place
from . import opencl
from .record import Cost, Glue, Peer

# Every grid the device holds is one more copy of it in memory (a CPU device's buffers are host memory), and
# the resident row keeps its own: the larger grids stay with the peers that need none.
LARGEST_GRID = 2048
HOST = "OpenCL, host arrays"
RESIDENT = "OpenCL, arrays on the device"


def start(peers, jobs):
    try:
        peers.opencl = opencl.Kernels()
    except opencl.Unavailable as error:
        peers.skipped.append(f"OpenCL: {error}")


def julia(case):
    kernels = case.peers.opencl
    if not kernels:
        return []
    resident = kernels.calculate_z_resident_setup(MAXITER, case.zs, case.cs)
    return [filling(HOST, "opencl", kernels.calculate_z, (MAXITER, case.zs, case.cs), path="OpenCL",
                    note=f"on {kernels.device_name}; points copied in and counts out on every call"),
            Contender(RESIDENT, "opencl", resident, fetch=resident.result,
                      note="zs and cs copied to the device once; the counts left there")]


def evolve(case):
    kernels = case.peers.opencl
    if not kernels or case.size > LARGEST_GRID:
        return []
    resident = kernels.evolve_resident_setup(case.grid, 0.1, 0.9)
    return [in_place(HOST, "opencl", kernels.evolve, case.fixed, path="OpenCL",
                     note=f"on {kernels.device_name}; grid copied in and out on every call"),
            Contender(RESIDENT, "opencl", resident, fetch=resident.result,
                      note="the grid copied to the device once; the result left there")]


def gil_calls(peers, inputs):
    return {"OpenCL (calculate_z)": lambda: peers.opencl.calculate_z(inputs.maxiter, inputs.zs, inputs.cs,
                                                                     inputs.counts)}


PEER = Peer("opencl", "OpenCL (PyOpenCL)", "#17becf", start=start, julia=julia, evolve=evolve, gil_calls=gil_calls,
            costs=(Cost("OpenCL", Glue("all code lines of opencl.py (device, buffers, launches, checks)", 2,
                                       files=("bench/peers/opencl.py",)),
                        gil_released="yes (while waiting on the queue)", threads="the device's",
                        simd="the device compiler's",
                        first_call_extra=lambda peers, group: peers.opencl.build_seconds),))
