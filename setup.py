"""Build script for cext._core, the hand-written C++ extension.

Metadata lives in pyproject.toml; this file only describes the compiled module, because its build needs
decisions that a static configuration cannot express:

* The SIMD kernels are compiled several times, once per instruction set (baseline x86-64, AVX2, AVX-512), each
  object with its own ``-m`` flags and in a namespace of its own, and the module picks one at import time by CPU
  features. The default build therefore runs on any x86-64 CPU. Other architectures get the portable C++
  kernels only.
* OpenMP is used when the compiler supports it; otherwise the module is built serial, with a warning.
* Floating-point contraction is disabled (``-ffp-contract=off``): results must be bit-identical to the Python
  reference arithmetic, and a fused multiply-add rounds differently.

Environment variables (all optional):
    CEXT_NATIVE=1          also compile the baseline code with -march=native (not portable)
    CEXT_NO_OPENMP=1       build without OpenMP, as on a compiler that lacks it
    CEXT_SANITIZE=address,undefined   build with these -fsanitize options (for the sanitizer CI job)
    CEXT_WERROR=1          make every compiler warning in cext's build an error (CI, on every Python version)
"""

import os
import platform
import re
import sys
import tempfile
import textwrap

import setuptools

# pyproject.toml's metadata (an SPDX license string) needs setuptools 77; older ones die on it with a page of
# schema errors, so say in one line what to do instead.
if int(setuptools.__version__.split(".")[0]) < 77:
    sys.exit(f"cext: building needs setuptools>=77 (this is {setuptools.__version__}); run: "
             f"{os.path.basename(sys.executable)} -m pip install --upgrade 'setuptools>=77'")

import numpy as np  # noqa: E402 (after the version check, so that its message comes first)
from setuptools import Extension, setup  # noqa: E402
from setuptools.command.build_ext import build_ext  # noqa: E402
from setuptools.errors import CompileError, LinkError  # noqa: E402

IS_X86 = platform.machine().lower() in {"x86_64", "amd64", "i386", "i686", "x86"}

# The instruction sets are listed once, in include/cext/isa_list.hpp, which the C++ dispatch expands as an X-macro.
# setup.py reads the same lines with a regular expression instead of keeping a list of its own; the format is kept
# that simple on purpose (one entry a line: X(name, macro, "gcc flags", "msvc flags", ...)), and
# tests/test_isa_list.py checks that every entry is read.
ISA_LIST = "include/cext/isa_list.hpp"
ISA_ENTRY = r'^\s*X\((\w+),\s*(\w+),\s*"([^"]*)",\s*"([^"]*)",'


def read_isa_list(path=ISA_LIST):
    """(source, macro announcing it, flags for GCC/Clang, flags for MSVC) per instruction set, best first."""
    with open(path) as f:
        entries = re.findall(ISA_ENTRY, f.read(), flags=re.MULTILINE)
    return [(f"src/isa_{name}.cpp", macro, gcc.split(), msvc.split()) for name, macro, gcc, msvc in entries]


ISA_SOURCES = read_isa_list()


class BuildExt(build_ext):
    """build_ext that probes the compiler and compiles the per-ISA kernel objects."""

    def build_extension(self, ext):
        msvc = self.compiler.compiler_type == "msvc"
        ext.extra_compile_args += self._base_flags(msvc)
        self._configure_openmp(ext, msvc)
        self._configure_sanitizers(ext, msvc)
        isa_sources = self._usable_isa_sources(msvc) if IS_X86 else []
        compiled = {macro for _source, macro, *_flags in isa_sources}
        # src/dispatch.cpp lists the table of every set whose macro is 1, so each set's macro is defined, 1 or 0.
        ext.define_macros += [(macro, "1" if macro in compiled else "0") for _source, macro, *_flags in ISA_SOURCES]
        self._add_isa_objects(ext, msvc, isa_sources)
        super().build_extension(ext)

    # -- flags ----------------------------------------------------------------------------------------------------

    def _base_flags(self, msvc):
        if msvc:
            return ["/std:c++17", "/O2", "/fp:strict", "/EHsc"]
        flags = ["-std=c++17", "-O3", "-ffp-contract=off", "-fvisibility=hidden", "-Wall", "-Wextra"]
        if IS_X86 and sys.maxsize < 2**32:
            flags += ["-msse2", "-mfpmath=sse"]  # x87 arithmetic would round differently
        if os.environ.get("CEXT_NATIVE") == "1":
            flags += ["-march=native", "-DCEXT_NATIVE_BUILD=1"]
        if os.environ.get("CEXT_WERROR") == "1":
            flags += ["-Werror"]
        return flags

    def _configure_openmp(self, ext, msvc):
        serial_flags = [] if msvc else ["-Wno-unknown-pragmas"]  # the OpenMP pragmas are then expected no-ops
        if os.environ.get("CEXT_NO_OPENMP") == "1":
            print("cext: CEXT_NO_OPENMP=1, building without OpenMP (serial kernels)")
            ext.extra_compile_args += serial_flags
            return
        candidates = (
            [(["/openmp:llvm"], []), (["/openmp"], [])]
            if msvc
            else [(["-fopenmp"], ["-fopenmp"]), (["-Xpreprocessor", "-fopenmp"], ["-lomp"])]
        )
        probe = "#include <omp.h>\nint main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }\n"
        for compile_flags, link_flags in candidates:
            if self._try_build(probe, compile_flags, link_flags):
                ext.extra_compile_args += compile_flags
                ext.extra_link_args += link_flags
                return
        print("cext: WARNING: the compiler does not support OpenMP; building serial kernels", file=sys.stderr)
        ext.extra_compile_args += serial_flags

    def _configure_sanitizers(self, ext, msvc):
        sanitize = os.environ.get("CEXT_SANITIZE")
        if not sanitize or msvc:
            return
        flags = [f"-fsanitize={sanitize}", "-fno-omit-frame-pointer", "-fno-sanitize-recover=all", "-g"]
        ext.extra_compile_args += flags
        ext.extra_link_args += flags

    # -- per-ISA objects ------------------------------------------------------------------------------------------

    def _usable_isa_sources(self, msvc):
        usable = []
        for source, macro, gcc_flags, msvc_flags in ISA_SOURCES:
            isa_flags = msvc_flags if msvc else gcc_flags
            if self._try_build("int main(void) { return 0; }\n", isa_flags, []):
                usable.append((source, macro, gcc_flags, msvc_flags))
            else:
                print(f"cext: compiler rejects {isa_flags}; skipping {source}", file=sys.stderr)
        return usable

    def _add_isa_objects(self, ext, msvc, isa_sources):
        # Each object's own code lives in a namespace named after its instruction set, so the link order does not
        # matter; tests/test_build.py checks the module for AVX instructions outside those namespaces. They are
        # linked lowest set first: the order only decides where each kernel's loops land in the module, and with
        # the highest set first, 512^2 steps=20 on AVX-512 ran about 5% slower (best of interleaved runs).
        for source, _macro, gcc_flags, msvc_flags in reversed(isa_sources):
            objects = self.compiler.compile(
                [source],
                output_dir=self.build_temp,
                macros=ext.define_macros,
                include_dirs=ext.include_dirs,
                debug=self.debug,
                extra_postargs=ext.extra_compile_args + (msvc_flags if msvc else gcc_flags),
                depends=ext.depends,
            )
            ext.extra_objects += objects

    def _try_build(self, code, compile_flags, link_flags):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "probe.cpp")
            with open(src, "w") as f:
                f.write(textwrap.dedent(code))
            try:
                objects = self.compiler.compile([src], output_dir=tmp, extra_postargs=compile_flags)
                self.compiler.link_executable(
                    objects, "probe", output_dir=tmp, extra_postargs=link_flags, target_lang="c++"
                )
            except (CompileError, LinkError):
                return False
        return True


# The kernels without the Python glue, compiled for the baseline instruction set (the C++ kernel tests in
# tests/cpp build the same list).
KERNEL_SOURCES = ["src/schedule.cpp", "src/diffusion_plan.cpp", "src/scratch.cpp", "src/parallel.cpp",
                  "src/dispatch.cpp", "src/tuning.cpp", "src/self_check.cpp", "src/isa_baseline.cpp"]
HEADERS = [os.path.join("include", "cext", name) for name in os.listdir(os.path.join("include", "cext"))]
HEADERS += [os.path.join("cext", name) for name in os.listdir("cext") if name.endswith(".hpp")]  # the glue's own

setup(
    ext_modules=[
        Extension(
            "cext._core",
            sources=KERNEL_SOURCES + ["cext/_core.cpp"],
            include_dirs=["include", np.get_include()],
            depends=HEADERS + [source for source, *_ in ISA_SOURCES],
            language="c++",
        )
    ],
    cmdclass={"build_ext": BuildExt},
)
